/**
 * sessions_search and the `text` filter: ranking, titles, marked snippets that open the whole event;
 * a leakage table (a secret's value, a confidential tool's output, thinking at public, another
 * scope's session: never found, never counted, never ranked); the tool over stdio and the CLI.
 */
import { rmSync } from "node:fs";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Visibility } from "../src/contract/event.js";
import type { SearchResult } from "../src/contract/search.js";
import { querySessionEvents, querySessionsEvents } from "../src/engine/run-query.js";
import { searchSessions } from "../src/engine/search/search-sessions.js";
import { wordsOf } from "../src/engine/search/words.js";
import { cleanEnv, connectServer, ensureBuilt, runCli } from "./helpers/built-server.js";
import { contextFor } from "./helpers/context.js";
import { assistantLine, header, text, toolCall, toolResultLine, userLine } from "./helpers/pi-lines.js";
import { FIELD_SECRETS, SECRET_CORPUS } from "./helpers/secret-corpus.js";
import { TempStateDir } from "./helpers/temp-store.js";

const T0 = Date.parse("2026-06-01T09:00:00Z");
const s = (n: number) => T0 + n * 1000;
const CLEARANCES: Visibility[] = ["public", "internal", "confidential"];
let store: TempStateDir;
let config: string;

beforeAll(() => {
  store = new TempStateDir();
  const registry: Record<string, Record<string, unknown>> = {
    "agent:main:main": { sessionId: "main1", updatedAt: s(500) },
    "agent:main:subagent:few": { sessionId: "few1", updatedAt: s(900), spawnedBy: "agent:main:main" },
    "agent:main:subagent:many": { sessionId: "many1", updatedAt: s(100), spawnedBy: "agent:main:main" },
    "agent:main:subagent:tie": { sessionId: "tie1", updatedAt: s(200), spawnedBy: "agent:main:main" },
    "agent:main:vault": { sessionId: "vault1", updatedAt: s(300), spawnedBy: "agent:main:main" },
    "agent:main:secrets": { sessionId: "sec1", updatedAt: s(50), spawnedBy: "agent:main:main" },
    "agent:other:elsewhere": { sessionId: "else1", updatedAt: s(999) },
  };
  store.transcript("main", "main1.jsonl", [
    header("main1", s(0)),
    userLine(s(1), "Let us plan the quarterly budget review"),
    assistantLine(s(2), [{ type: "thinking", thinking: "the zanzibar budget is private" }, text("Sure, the Budget Review is on Friday.")]),
  ]);
  store.transcript("main", "few1.jsonl", [header("few1", s(0)), userLine(s(3), "One budget review mention")]);
  const many: Record<string, unknown>[] = [header("many1", s(0)), userLine(s(4), "Open the report")];
  for (let i = 0; i < 3; i++) many.push(assistantLine(s(5 + 2 * i), [toolCall(`c${i}`, "read_file", { file_path: `/srv/budget-review-${i}.md` })]), toolResultLine(s(6 + 2 * i), `c${i}`, "read_file", `ok ${i}`));
  store.transcript("main", "many1.jsonl", many);
  store.transcript("main", "tie1.jsonl", [header("tie1", s(0)), userLine(s(20), "budget review one"), userLine(s(21), "budget review two"), userLine(s(22), "budget review three")]);
  store.transcript("main", "vault1.jsonl", [
    header("vault1", s(0)),
    userLine(s(30), "fetch it"),
    assistantLine(s(31), [toolCall("v1", "vault_read", { path: "kv/budget" })]),
    toolResultLine(s(32), "v1", "vault_read", "budget review walrus-confidential"),
  ]);
  const secrets: Record<string, unknown>[] = [header("sec1", s(0))];
  SECRET_CORPUS.forEach((sample, i) => {
    secrets.push(userLine(s(40 + 3 * i), `please use ${sample.text} now`));
    secrets.push(assistantLine(s(41 + 3 * i), [toolCall(`k${i}`, "exec", { cmd: sample.text, [`key ${sample.text}`]: "x" })]));
    secrets.push(toolResultLine(s(42 + 3 * i), `k${i}`, "exec", `output: ${sample.text}`));
  });
  secrets.push(assistantLine(s(400), [toolCall("f1", "http", { ...FIELD_SECRETS })]));
  store.transcript("main", "sec1.jsonl", secrets);
  store.transcript("other", "else1.jsonl", [header("else1", s(0)), userLine(s(5), "budget review budget review elsewhere")]);
  store.registry("main", Object.fromEntries(Object.entries(registry).filter(([k]) => k.startsWith("agent:main:"))));
  store.registry("other", { "agent:other:elsewhere": registry["agent:other:elsewhere"]! });
  config = store.file("policy.json", JSON.stringify({ confidential: [{ tool: "vault_*" }] }));
});
afterAll(() => {
  for (const cache of ["-mcp-cache", "-cli-cache"]) rmSync(`${store.root}${cache}`, { recursive: true, force: true });
  store?.remove();
});

const caller = (clearance: Visibility = "internal") => contextFor(store.root, { caller: "agent:main:main", clearance, config });

describe("sessions_search ranks and shows", () => {
  it("most hits first, ties by most recently updated; title, hits, marked snippets", async () => {
    const result = await searchSessions(caller(), { query: "budget review" });
    expect(result.sessions.map((r) => [r.key, r.hits])).toEqual([
      ["agent:main:subagent:tie", 3], // updated after :many
      ["agent:main:subagent:many", 3],
      ["agent:main:main", 2],
      ["agent:main:subagent:few", 1],
    ]);
    const main = result.sessions.find((r) => r.key === "agent:main:main")!;
    expect(main.title).toBe("Let us plan the quarterly budget review");
    expect(main.updatedAt).toBe(new Date(s(500)).toISOString());
    expect(main.snippets.map((n) => n.text)).toEqual(["Let us plan the quarterly «budget» «review»", "Sure, the «Budget» «Review» is on Friday."]);
    const many = result.sessions.find((r) => r.key === "agent:main:subagent:many")!;
    expect(many.snippets.map((n) => n.type)).toEqual(["tool_call", "tool_call", "tool_call"]);
    expect(many.snippets[0]!.text).toContain("/srv/«budget»-«review»-0.md");
    // a snippet's event id opens the whole event
    const opened = await querySessionEvents(caller(), { eventId: many.snippets[1]!.eventId });
    expect(opened.events[0]!.payload.args).toEqual({ file_path: "/srv/budget-review-1.md" });
    expect(opened.events[0]!.seq).toBe(many.snippets[1]!.seq);
  });

  it("limit, types, since/until, agentId and sessionKey narrow it", async () => {
    expect((await searchSessions(caller(), { query: "budget review", limit: 2 })).sessions).toHaveLength(2);
    expect((await searchSessions(caller(), { query: "budget review", types: ["tool_call"] })).sessions.map((r) => r.key)).toEqual(["agent:main:subagent:many"]);
    expect((await searchSessions(caller(), { query: "budget review", since: new Date(s(20)).toISOString(), until: new Date(s(22)).toISOString() })).sessions.map((r) => [r.key, r.hits])).toEqual([
      ["agent:main:subagent:tie", 2],
    ]);
    expect((await searchSessions(caller(), { query: "budget review", sessionKey: "agent:main:subagent:f*" })).sessions.map((r) => r.key)).toEqual(["agent:main:subagent:few"]);
    expect((await searchSessions(contextFor(store.root, { config }), { query: "elsewhere", agentId: "other" })).sessions.map((r) => r.key)).toEqual(["agent:other:elsewhere"]);
  });

  it("bad queries are clear errors", async () => {
    await expect(searchSessions(caller(), { query: "?!" })).rejects.toThrow(/no words/);
  });
});

/** Words of a secret that are its own (long, random): searching any of them must find nothing. */
function secretQueries(secret: string): string[] {
  const words = wordsOf(secret);
  const kept: string[] = [];
  for (const word of words) if (kept.join(" ").length + word.length < 400) kept.push(word);
  const phrase = `"${kept.join(" ")}"`;
  return [phrase, ...words.filter((w) => w.length >= 10).slice(0, 2)];
}
const ALL_SECRETS = [...SECRET_CORPUS.map((c) => c.secret), ...Object.values(FIELD_SECRETS)];

describe("search never leaks", () => {
  it.each(CLEARANCES)("a secret's value is never found, counted or ranked (clearance %s)", async (clearance) => {
    const ctx = caller(clearance);
    // the words around the secrets are found: the search does look in these events
    expect((await searchSessions(ctx, { query: '"please use"' })).sessions.map((r) => r.key)).toEqual(["agent:main:secrets"]);
    for (const secret of ALL_SECRETS) {
      for (const query of secretQueries(secret)) {
        const result = await searchSessions(ctx, { query });
        expect(result.sessions, `${query} (${secret.slice(0, 24)})`).toEqual([]);
        const page = await querySessionsEvents(ctx, { text: query });
        expect(page.events, query).toEqual([]);
      }
    }
  });

  it.each(CLEARANCES)("a confidential tool's output, thinking and another scope's session (clearance %s)", async (clearance) => {
    const ctx = caller(clearance);
    const walrus = await searchSessions(ctx, { query: "walrus" });
    const vaultHits = (await searchSessions(ctx, { query: "budget review", types: ["tool_result"] })).sessions;
    const zanzibar = await searchSessions(ctx, { query: "zanzibar" });
    const counted = await querySessionsEvents(ctx, { text: "walrus", groupBy: ["session"] });
    const page = await querySessionsEvents(ctx, { text: "walrus" });
    if (clearance === "confidential") {
      // the same checks do find what the caller may see
      expect(walrus.sessions.map((r) => [r.key, r.hits])).toEqual([["agent:main:vault", 1]]);
      expect(vaultHits.map((r) => r.key)).toEqual(["agent:main:vault"]);
      expect(counted.groups).toHaveLength(1);
      expect(page.events).toHaveLength(1);
    } else {
      expect(walrus.sessions).toEqual([]);
      expect(walrus.sessionsWithHits).toBe(0);
      expect(vaultHits).toEqual([]);
      expect(counted.groups).toEqual([]);
      expect(counted.hiddenByVisibility).toBe(0);
      expect(page.events).toEqual([]);
      expect(page.hiddenByVisibility).toBe(0);
    }
    expect(zanzibar.sessions.map((r) => r.key)).toEqual(clearance === "public" ? [] : ["agent:main:main"]);
    // outside the caller's tree: never searched, counted or ranked
    const elsewhere = await searchSessions(ctx, { query: "elsewhere" });
    expect(elsewhere.sessions).toEqual([]);
    expect((await querySessionsEvents(ctx, { text: "elsewhere" })).events).toEqual([]);
    expect(JSON.stringify(await searchSessions(ctx, { query: "budget review" }))).not.toContain("elsewhere");
  });
});

describe("over stdio and the CLI", () => {
  it("sessions_search and sessions_events with text, as the built server serves them", async () => {
    ensureBuilt();
    const server = await connectServer(["--store", store.root, "--caller", "agent:main:main", "--config", config], cleanEnv({ SESSION_EVENTS_CACHE_DIR: `${store.root}-mcp-cache` }));
    try {
      const result = (await server.client.callTool({ name: "sessions_search", arguments: { query: "budg* review", limit: 1 } })) as CallToolResult;
      expect(result.isError).not.toBe(true);
      const found = result.structuredContent as SearchResult;
      expect(found.sessions.map((r) => r.key)).toEqual(["agent:main:subagent:tie"]);
      expect(found.sessionsWithHits).toBe(4);
      const events = (await server.client.callTool({ name: "sessions_events", arguments: { text: '"budget review" three' } })) as CallToolResult;
      expect((events.structuredContent as { events: Array<{ seq: number }> }).events.map((e) => e.seq)).toEqual([4]);
      const bad = (await server.client.callTool({ name: "sessions_search", arguments: { query: '"open' } })) as CallToolResult;
      expect(bad.isError).toBe(true);
      expect(JSON.stringify(bad.content)).toMatch(/unclosed quote/);
    } finally {
      await server.close();
    }
  }, 60_000);

  it("session-events search and query --text", async () => {
    ensureBuilt();
    const env = cleanEnv({ SESSION_EVENTS_CACHE_DIR: `${store.root}-cli-cache` });
    const base = ["--store", store.root, "--caller", "agent:main:main", "--config", config];
    const human = await runCli(["search", "budget review", ...base], env);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain("«budget» «review»");
    expect(human.stdout).toContain("4 of 6 session(s) match");
    const json = await runCli(["search", "read_file", "--json", ...base], env);
    expect((JSON.parse(json.stdout) as SearchResult).sessions.map((r) => r.hits)).toEqual([3]);
    const query = await runCli(["query", "--text", "friday", "--json", ...base], env);
    expect((JSON.parse(query.stdout) as { events: Array<{ session: string }> }).events.map((e) => e.session)).toEqual(["agent:main:main"]);
    const bad = await runCli(["search", "?!", ...base], env);
    expect(bad.code).toBe(2);
  }, 60_000);
});

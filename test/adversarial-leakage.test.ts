/**
 * Leakage: a corpus of credential formats placed in every field a transcript can carry, and markers in
 * internal and confidential events; then every surface (in-process tools, the built MCP server, the
 * built CLI) at every clearance. Below confidential no secret (nor a 12-character piece of one) shows
 * and every event that held one says redacted; nothing above the caller's clearance shows at all; at
 * confidential the secrets do show, which proves the checks can fail.
 */
import { rmSync } from "node:fs";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionEvent, Visibility } from "../src/contract/event.js";
import type { Page } from "../src/contract/page.js";
import { querySessionEvents, querySessionsEvents } from "../src/engine/run-query.js";
import { querySessionState } from "../src/engine/session-state/run-state.js";
import { cleanEnv, connectServer, ensureBuilt, runCli } from "./helpers/built-server.js";
import { contextFor } from "./helpers/context.js";
import { assistantLine, compactionLine, header, text, toolCall, toolResultLine, userLine } from "./helpers/pi-lines.js";
import { FIELD_SECRETS, leaks, SECRET_CORPUS } from "./helpers/secret-corpus.js";
import { TempStateDir } from "./helpers/temp-store.js";

const T0 = Date.parse("2026-09-01T08:00:00Z");
const CLEARANCES: Visibility[] = ["public", "internal", "confidential"];
/** Markers in events above public (internal) and above internal (confidential, by the config's rules). */
const INTERNAL_MARKS = ["THINK-MARK-51a", "ARGS-MARK-52b", "RESULT-MARK-53c", "LABEL-MARK-54d", "CUSTOM-MARK-55e", "NAME-MARK-56f"];
const CONFIDENTIAL_MARKS = ["VAULT-ARGS-61a", "VAULT-RESULT-62b", "FINANCE-MSG-63c", "FINANCE-TOOL-64d"];
const SECRETS = [...SECRET_CORPUS.map((s) => s.secret), ...Object.values(FIELD_SECRETS)];

const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const line = (type: string, s: number, fields: Record<string, unknown>) => ({ type, id: `${type}-${s}`, parentId: null, timestamp: at(s), ...fields });

/** One session per credential format, the secret in every field a line can carry. */
function leakSession(id: string, secret: string) {
  const args = { cmd: secret, nested: { deeper: [{ value: `x ${secret}` }, [secret]] }, [`key ${secret}`]: "as a key" };
  return [
    header(id, T0, { title: `title ${secret}` }),
    userLine(T0 + 1000, `please use ${secret} for this`),
    assistantLine(T0 + 2000, [{ type: "thinking", thinking: `thinking about ${secret}` }, text(`answer ${secret}`), toolCall("c1", "exec", args)]),
    toolResultLine(T0 + 3000, "c1", "exec", `output: ${secret}`),
    assistantLine(T0 + 4000, [text("")], { stopReason: "error", errorMessage: `failed with ${secret}` }),
    line("custom", 5, { customType: `deploy ${secret}`, data: { secret } }),
    line("custom_message", 6, { customType: "note", content: secret, display: true }),
    compactionLine(T0 + 7000, `summary ${secret}`, 1000),
    line("label", 8, { label: `label ${secret}`, targetId: "x" }),
    line("session_info", 9, { name: `name ${secret}` }),
    assistantLine(T0 + 10_000, [toolCall("c2", "sessions_spawn", { task: `task ${secret}`, label: `spawn ${secret}` })]),
    toolResultLine(T0 + 11_000, "c2", "sessions_spawn", JSON.stringify({ status: "accepted", childSessionKey: `agent:main:subagent:${id}` })),
  ];
}

let store: TempStateDir;
let config: string;
let bigConfig: string;

beforeAll(() => {
  store = new TempStateDir("adv-leak-");
  const registry: Record<string, Record<string, unknown>> = {};
  SECRET_CORPUS.forEach((sample, i) => {
    registry[`agent:main:leak-${i}`] = { sessionId: `leak-${i}`, updatedAt: T0 + 20_000, label: sample.text, displayName: sample.text };
    store.transcript("main", `leak-${i}.jsonl`, leakSession(`leak-${i}`, sample.text));
  });
  registry["agent:main:fields"] = { sessionId: "fields", updatedAt: T0 + 20_000 };
  store.transcript("main", "fields.jsonl", [
    header("fields", T0),
    assistantLine(T0 + 1000, [toolCall("f1", "http", { url: "https://api.example.com", ...FIELD_SECRETS, nested: { login: { password: FIELD_SECRETS.password } }, headers: [{ authorization: FIELD_SECRETS.authorization }] })]),
  ]);
  registry["agent:main:markers"] = { sessionId: "markers", updatedAt: T0 + 20_000 };
  store.transcript("main", "markers.jsonl", [
    header("markers", T0),
    assistantLine(T0 + 1000, [{ type: "thinking", thinking: INTERNAL_MARKS[0]! }, text("public words"), toolCall("m1", "read", { path: INTERNAL_MARKS[1] })]),
    toolResultLine(T0 + 2000, "m1", "read", INTERNAL_MARKS[2]!),
    line("label", 3, { label: INTERNAL_MARKS[3], targetId: "x" }),
    line("custom", 4, { customType: INTERNAL_MARKS[4] }),
    line("session_info", 5, { name: INTERNAL_MARKS[5] }),
    assistantLine(T0 + 6000, [toolCall("v1", "vault_read", { path: CONFIDENTIAL_MARKS[0] })]),
    toolResultLine(T0 + 7000, "v1", "vault_read", CONFIDENTIAL_MARKS[1]!),
  ]);
  registry["agent:main:finance"] = { sessionId: "finance", updatedAt: T0 + 20_000 };
  store.transcript("main", "finance.jsonl", [
    header("finance", T0),
    userLine(T0 + 1000, CONFIDENTIAL_MARKS[2]),
    assistantLine(T0 + 2000, [text("ok"), toolCall("q1", "ledger", { q: CONFIDENTIAL_MARKS[3] })]),
  ]);
  store.registry("main", registry);
  const rules = [{ tool: "vault_*" }, { session: "agent:main:finance" }];
  config = store.file("policy.json", JSON.stringify({ confidential: rules }));
  bigConfig = store.file("policy-big.json", JSON.stringify({ confidential: rules, pageBytes: 4_000_000 }));
});
afterAll(() => {
  for (const cache of ["-mcp-cache", "-cli-cache"]) rmSync(`${store.root}${cache}`, { recursive: true, force: true });
  store?.remove();
});

type Seen = { text: string; events: SessionEvent[] };
const KEYS = () => [...SECRET_CORPUS.map((_, i) => `agent:main:leak-${i}`), "agent:main:fields", "agent:main:markers", "agent:main:finance"];

/** What the in-process tools answer at a clearance: every page, every session, every state, sampled single events, counts. */
async function inProcess(clearance: Visibility): Promise<Seen> {
  const ctx = contextFor(store.root, { clearance, config });
  const out: Seen = { text: "", events: [] };
  const take = (page: Page) => {
    out.text += `${JSON.stringify(page)}\n`;
    out.events.push(...page.events);
    return page;
  };
  for (const extra of [{}, { fields: ["text", "args", "thinking", "message", "task", "label", "value", "kind", "title"], maxFieldChars: 40 }]) {
    let cursor: string | undefined;
    for (let i = 0; i < 200; i++) {
      const page = take(await querySessionsEvents(ctx, { ...extra, ...(cursor ? { cursor } : {}) }));
      if (!page.hasMore) break;
      cursor = page.nextCursor;
    }
  }
  for (const [i, sessionKey] of KEYS().entries()) {
    const page = take(await querySessionEvents(ctx, { sessionKey, limit: 500, order: "desc" }));
    out.text += JSON.stringify(await querySessionState(ctx, { sessionKey, lastMessages: 50 }));
    if (i % 4 === 0) for (const e of page.events) out.text += JSON.stringify(await querySessionEvents(ctx, { eventId: e.id }));
  }
  out.text += JSON.stringify(await querySessionsEvents(ctx, { groupBy: ["tool", "session"], limit: 500 }));
  out.text += JSON.stringify(await querySessionsEvents(ctx, { groupBy: ["model", "type"], limit: 500 }));
  return out;
}

/** Every check, for one surface's output at one clearance; `reference` is what confidential clearance saw. */
function check(surface: string, clearance: Visibility, seen: Seen, reference?: Seen) {
  const label = `${surface} at ${clearance}`;
  if (clearance === "confidential") {
    // the secrets do show at confidential: the checks below are not vacuous
    for (const secret of SECRETS) expect(leaks(seen.text, [secret]), `${label}: ${secret.slice(0, 20)}`).not.toEqual([]);
    for (const mark of [...INTERNAL_MARKS, ...CONFIDENTIAL_MARKS]) expect(seen.text, label).toContain(mark);
    return;
  }
  expect(leaks(seen.text, SECRETS), label).toEqual([]);
  for (const mark of CONFIDENTIAL_MARKS) expect(seen.text, label).not.toContain(mark);
  for (const mark of INTERNAL_MARKS) clearance === "public" ? expect(seen.text, label).not.toContain(mark) : expect(seen.text, label).toContain(mark);
  for (const e of seen.events) expect(["public", ...(clearance === "internal" ? ["internal"] : [])], `${label} ${e.id}`).toContain(e.visibility);
  if (reference) {
    const holding = new Set(reference.events.filter((e) => leaks(JSON.stringify(e), SECRETS).length > 0).map((e) => e.id));
    expect(holding.size, label).toBeGreaterThan(SECRET_CORPUS.length * 5);
    const marked = seen.events.filter((e) => holding.has(e.id));
    expect(marked.length, label).toBeGreaterThan(0);
    for (const e of marked) expect(e.redacted, `${label} ${e.id} ${e.type}`).toBe(true);
  }
}

describe("in-process tools", () => {
  const seen = new Map<Visibility, Seen>();
  beforeAll(async () => {
    for (const clearance of CLEARANCES) seen.set(clearance, await inProcess(clearance));
  }, 120_000);

  it(`the corpus holds ${SECRET_CORPUS.length} credential formats and ${Object.keys(FIELD_SECRETS).length} sensitive field names`, () => {
    expect(SECRET_CORPUS.length).toBeGreaterThanOrEqual(40);
    expect(new Set(SECRET_CORPUS.map((s) => s.kind)).size).toBe(SECRET_CORPUS.length);
  });

  for (const clearance of CLEARANCES) {
    it(`at ${clearance}: pages, single sessions, states, single events and counts`, () => {
      check("in-process", clearance, seen.get(clearance)!, seen.get("confidential"));
    });
  }

  it("every field of a tool call's args is redacted by its name, at any depth, and says which kind", async () => {
    const page = await querySessionEvents(contextFor(store.root, { clearance: "internal", config }), { sessionKey: "agent:main:fields", types: ["tool_call"] });
    const args = page.events[0]!.payload.args as Record<string, unknown>;
    for (const name of Object.keys(FIELD_SECRETS)) expect(args[name], name).toBe("[REDACTED:sensitive_field]");
    expect(args.url).toBe("https://api.example.com");
    expect(args.nested).toEqual({ login: { password: "[REDACTED:sensitive_field]" } });
    expect(args.headers).toEqual([{ authorization: "[REDACTED:sensitive_field]" }]);
  });

  it("a secret straddling the field cut is never half-shown (and is, cut, at confidential)", async () => {
    const cut = new TempStateDir("adv-leak-cut-");
    try {
      const samples = SECRET_CORPUS.filter((s) => ["github_ghp", "anthropic", "jwt", "rsa_private_key", "postgres_url", "bearer", "telegram_bot"].includes(s.kind));
      const lines: Array<Record<string, unknown>> = [header("cut", T0)];
      samples.forEach((sample, i) => {
        const start = sample.text.indexOf(sample.secret);
        // the cut (at 2000 characters) falls 1, 5, 9, ... characters into the secret
        for (const into of [1, 5, 9, Math.floor(sample.secret.length / 2), sample.secret.length - 2]) {
          const filler = "f".repeat(2000 - start - into);
          lines.push(toolResultLine(T0 + 1000 * (i + 1) + into, `c${i}`, "exec", `${filler}${sample.text} and more text after it`));
        }
      });
      cut.registry("main", { "agent:main:cut": { sessionId: "cut", updatedAt: T0 } });
      cut.transcript("main", "cut.jsonl", lines);
      const walk = async (clearance: Visibility) => {
        const ctx = contextFor(cut.root, { clearance });
        const events: SessionEvent[] = [];
        for (let cursor: string | undefined, i = 0; i < 20; i++) {
          const page = await querySessionEvents(ctx, { sessionKey: "agent:main:cut", types: ["tool_result"], limit: 500, ...(cursor ? { cursor } : {}) });
          events.push(...page.events);
          if (!page.hasMore) break;
          cursor = page.nextCursor;
        }
        return { events };
      };
      const internal = await walk("internal");
      expect(internal.events).toHaveLength(samples.length * 5);
      for (const e of internal.events) expect([e.truncated, e.redacted], e.id).toEqual([true, true]);
      expect(leaks(JSON.stringify(internal), samples.map((s) => s.secret), 6)).toEqual([]);
      const confidential = await walk("confidential");
      for (const sample of samples) expect(leaks(JSON.stringify(confidential), [sample.secret.slice(0, 9)], 6), sample.kind).not.toEqual([]);
    } finally {
      cut.remove();
    }
  });

  it("an event fetched whole by eventId, in parts when it is larger than a page, is redacted in every part", async () => {
    const big = new TempStateDir("adv-leak-big-");
    try {
      // (an unterminated key block rightly redacts the rest of its field: left out, so the event stays larger than a page)
      const body = SECRET_CORPUS.filter((s) => !s.kind.startsWith("private_key_"))
        .map((s, i) => `${"x".repeat(1500 + i)} ${s.text} `)
        .join("\n");
      big.registry("main", { "agent:main:big": { sessionId: "big", updatedAt: T0 } });
      big.transcript("main", "big.jsonl", [header("big", T0), toolResultLine(T0 + 1000, "c", "exec", body)]);
      for (const clearance of ["internal", "confidential"] as const) {
        const ctx = contextFor(big.root, { clearance });
        let json = "";
        let offset: number | undefined = 0;
        for (let i = 0; offset !== undefined && i < 50; i++) {
          const part = (await querySessionEvents(ctx, { eventId: "big:2", offset })).events[0]!;
          expect(part.redacted, clearance).toBe(clearance === "internal" ? true : undefined);
          json += part.payload.json as string;
          offset = part.payload.nextOffset as number | undefined;
        }
        expect(offset).toBeUndefined();
        const found = leaks(JSON.parse(json).text as string, SECRET_CORPUS.map((s) => s.secret));
        clearance === "internal" ? expect(found).toEqual([]) : expect(found.length).toBeGreaterThan(SECRET_CORPUS.length);
        expect(json.length).toBeGreaterThan(60_000); // it did come in parts
      }
    } finally {
      big.remove();
    }
  });

  // (was a finding: a sensitive field was redacted only when its value was a string)
  it("a value of a sensitive field is redacted whatever its type (array, object, number)", async () => {
    const odd = new TempStateDir("adv-leak-odd-");
    try {
      odd.registry("main", { "agent:main:odd": { sessionId: "odd", updatedAt: T0 } });
      odd.transcript("main", "odd.jsonl", [
        header("odd", T0),
        assistantLine(T0 + 1000, [toolCall("o", "login", { password: ["hunter-array-5521"], secret: { value: "obj-secret-7730" }, token: 80417731, credentials: { user: "bob", pass: "cred-pass-2210" } })]),
      ]);
      const page = await querySessionEvents(contextFor(odd.root, { clearance: "internal" }), { sessionKey: "agent:main:odd" });
      expect(JSON.stringify(page)).not.toMatch(/hunter-array-5521|obj-secret-7730|80417731|cred-pass-2210/);
      expect(page.events.find((e) => e.type === "tool_call")?.redacted).toBe(true);
      const shown = JSON.stringify(await querySessionEvents(contextFor(odd.root, { clearance: "confidential" }), { sessionKey: "agent:main:odd" }));
      for (const value of ["hunter-array-5521", "obj-secret-7730", "80417731", "cred-pass-2210"]) expect(shown).toContain(value);
    } finally {
      odd.remove();
    }
  });
});

describe("the built MCP server over stdio", () => {
  async function overMcp(clearance: Visibility): Promise<Seen> {
    const server = await connectServer(["--store", store.root, "--clearance", clearance, "--config", config], cleanEnv({ SESSION_EVENTS_CACHE_DIR: `${store.root}-mcp-cache` }));
    const out: Seen = { text: "", events: [] };
    const call = async (name: string, args: Record<string, unknown>) => {
      const result = (await server.client.callTool({ name, arguments: args })) as CallToolResult;
      expect(result.isError, `${name} ${JSON.stringify(result.content)}`).not.toBe(true);
      out.text += `${JSON.stringify(result.structuredContent)}\n${(result.content[0] as { text: string }).text}\n`;
      return result.structuredContent as Page;
    };
    try {
      let cursor: string | undefined;
      for (let i = 0; i < 200; i++) {
        const page = await call("sessions_events", { limit: 500, ...(cursor ? { cursor } : {}) });
        out.events.push(...page.events);
        if (!page.hasMore) break;
        cursor = page.nextCursor;
      }
      for (const [i, sessionKey] of KEYS().entries()) {
        const page = await call("session_events", { sessionKey, limit: 500 });
        await call("session_state", { sessionKey, lastMessages: 50 });
        if (i % 8 === 0) for (const e of page.events.slice(0, 6)) await call("session_events", { eventId: e.id });
      }
      await call("sessions_events", { groupBy: ["tool"], limit: 500 });
    } finally {
      await server.close();
    }
    return out;
  }

  it("every tool at every clearance: no secret below confidential, nothing above clearance, redacted said", async () => {
    ensureBuilt();
    const seen = new Map<Visibility, Seen>();
    for (const clearance of CLEARANCES) seen.set(clearance, await overMcp(clearance));
    for (const clearance of CLEARANCES) check("mcp", clearance, seen.get(clearance)!, seen.get("confidential"));
  }, 120_000);
});

describe("the built CLI", () => {
  // (wide: the tables' summaries must be long enough to show the secrets at confidential)
  const env = () => cleanEnv({ SESSION_EVENTS_CACHE_DIR: `${store.root}-cli-cache`, COLUMNS: "400" });
  const cli = async (args: string[]) => {
    const result = await runCli([...args, "--store", store.root], env());
    expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(0);
    return result.stdout;
  };
  /** Every page of `query` (a page holds up to 500 events with this config's 4 MB page budget). */
  const allPages = async (args: string[]) => {
    let out = "";
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await cli([...args, "--json", "-n", "500", ...(cursor ? ["--cursor", cursor] : [])]);
      out += page;
      const parsed = JSON.parse(page) as Page;
      if (!parsed.hasMore) return { json: out, cursors: i + 1 };
      cursor = parsed.nextCursor;
    }
    throw new Error("too many pages");
  };

  it("query (table and --json) and sessions: no secret below confidential, nothing above clearance", async () => {
    ensureBuilt();
    let reference: Seen | undefined;
    for (const clearance of [...CLEARANCES].reverse()) {
      const common = ["--clearance", clearance, "--config", bigConfig];
      const [json, table1, table2, sessions] = await Promise.all([
        allPages(["query", ...common]),
        cli(["query", ...common, "-n", "500"]),
        cli(["query", ...common, "-n", "500", "--order", "desc"]),
        cli(["sessions", ...common]),
      ]);
      const events = json.json.split(/\n(?=\{)/).flatMap((p) => (JSON.parse(p) as Page).events);
      const seen = { text: json.json, events };
      check("cli --json", clearance, seen, reference);
      reference ??= seen; // confidential comes first: the events that held a secret
      const tables = `${table1}\n${table2}\n${sessions}`;
      if (clearance === "confidential") expect(leaks(tables, SECRETS).length).toBeGreaterThan(20);
      else {
        expect(leaks(tables, SECRETS), `table at ${clearance}`).toEqual([]);
        for (const mark of CONFIDENTIAL_MARKS) expect(tables).not.toContain(mark);
      }
    }
  }, 120_000);

  // (was a finding: `sessions --json` printed registry labels, and ClawJS titles, as stored)
  it("sessions --json redacts the registry label below confidential", async () => {
    ensureBuilt();
    const out = await cli(["sessions", "--json", "--clearance", "internal", "--config", config]);
    expect(leaks(out, SECRETS)).toEqual([]);
    const shown = await cli(["sessions", "--json", "--clearance", "confidential", "--config", config]);
    for (const sample of SECRET_CORPUS) expect(leaks(shown, [sample.secret]), sample.kind).not.toEqual([]);
  });
});

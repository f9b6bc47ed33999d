/** The built `session-events` CLI as a user runs it: real processes over a copy of examples/openclaw-state. */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Page } from "../src/contract/page.js";
import { MAIN_JS, PROJECT_ROOT, runCli, useSampleStoreCopy } from "./helpers/built-server.js";

const MAIN = "agent:main:main";
const SUB1 = "agent:main:subagent:5f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f";
const SUB2 = "agent:main:subagent:9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d";
/** The agents the brief describes (the sample may grow other agents; exact counts are taken over these). */
const MAIN_AND_WORK = ["agent:main:*", "agent:work:*"];
const SHARED_OPTIONS = ["--store <dir>", "--caller <key>", "--scope <scope>", "--clearance <level>", "--config <file>"];

const sample = useSampleStoreCopy();

/** Runs the CLI on the copy; `--store` is added after the command name. Wide (COLUMNS=400) so rows keep whole keys. */
async function cli(command: string, args: string[] = [], extraEnv: Record<string, string> = {}) {
  return runCli([command, "--store", sample.box.store, ...args], { ...sample.env, COLUMNS: "400", ...extraEnv });
}

async function ok(command: string, args: string[] = [], extraEnv: Record<string, string> = {}): Promise<string> {
  const result = await cli(command, args, extraEnv);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

const json = async <T = Page>(command: string, args: string[], extraEnv: Record<string, string> = {}) =>
  JSON.parse(await ok(command, [...args, "--json"], extraEnv)) as T;

const row = (...cells: string[]) => new RegExp(`^${cells.map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("\\s+")}$`, "m");

describe("query", () => {
  it("prints a readable table by default, with a session column when the page spans sessions", async () => {
    const out = await ok("query", MAIN_AND_WORK);
    expect(out).toMatch(row("time", "session", "seq", "type", "summary"));
    expect(out).toMatch(row("2026-11-18 08:30:02Z", "agent:main:telegram:dm:821071206", "4", "tool_result", 'get_weather 1000ms -> {"temp":22}'));
    expect(out).toMatch(row("2026-11-18 09:00:14Z", MAIN, "10", "spawn", `${SUB1}: Summarize the Q3 report in reports/q3.pdf`));
    expect(out).toMatch(row("2026-11-18 09:00:31Z", SUB2, "7", "session_end", "failed after 8000ms"));
    expect(out).toContain("\n50 event(s) from 7 session(s); more available (stopped by limit); 2 redacted; 2 unreadable line(s) skipped\n");
    expect(out).toMatch(new RegExp(`^next: session-events query --cursor [A-Za-z0-9_.-]+ --store ${sample.box.store.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m"));
    expect(out).not.toContain("sk-proj-Xq7bR2mN9vT4wL8sK3jH6gF1dS5aP0oI");
    expect(out).not.toContain("hunter2-staging");
  });

  it("--json prints the page the tools return; --cursor continues it in a new process", async () => {
    const all = await json("query", [...MAIN_AND_WORK, "-n", "500"]);
    expect(all.events).toHaveLength(68); // (the cron job key's "done" gives no session_end: not a run)
    const first = await json("query", MAIN_AND_WORK);
    expect(first.events).toHaveLength(50);
    expect(first.hasMore).toBe(true);
    expect(first.limit).toBe(50);
    expect(typeof first.nextCursor).toBe("string");
    const second = await json("query", [...MAIN_AND_WORK, "--cursor", first.nextCursor]);
    expect(second.events).toHaveLength(18);
    expect(second.hasMore).toBe(false);
    expect([...first.events, ...second.events].map((e) => e.id)).toEqual(all.events.map((e) => e.id));
    const table = await ok("query", [...MAIN_AND_WORK, "--cursor", second.nextCursor]);
    expect(table).toMatch(/^\(no events\)\n\n0 event\(s\) from 7 session\(s\); no more now(; 2 unreadable line\(s\) skipped)?\n$/);
    const other = await cli("query", ["agent:main:*", "--cursor", first.nextCursor]); // other patterns
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/^error: --cursor belongs to another query \(the patterns agent:main:\* agent:work:\*\), not the patterns agent:main:\*\. Leave the patterns out: --cursor alone resumes its query\./);
  });

  it("query --session current --caller ... --types tool_error shows exactly the failed exec", async () => {
    const out = await ok("query", ["--session", "current", "--caller", MAIN, "--types", "tool_error"]);
    expect(out).toMatch(row("time", "seq", "type", "summary"));
    expect(out).toMatch(row("2026-11-18 09:10:31Z", "18", "tool_error", "exec 22000ms -> deploy.sh: error: staging cluster unreachable (timeout after 20s)"));
    expect(out.split("\n").filter((l) => /^\d{4}-\d\d-\d\d /.test(l))).toHaveLength(1);
    expect(out).toContain("\n1 event(s) from 1 session(s); no more now\n");
    const page = await json("query", ["-s", "current", "--caller", MAIN, "-t", "tool_call,tool_error", "--order", "desc"]);
    expect(page.events.map((e) => [e.seq, e.type, e.payload.toolName])).toEqual([
      [18, "tool_error", "exec"],
      [17, "tool_call", "exec"],
      [8, "tool_call", "sessions_spawn"],
      [5, "tool_call", "web_search"],
    ]);
  });

  it("sessions_events filters from the shell: --spawned-by current --descendants, --agent, patterns", async () => {
    const tree = await json("query", ["--caller", MAIN, "--spawned-by", "current", "--descendants", "-t", "complete"]);
    expect(tree.events.map((e) => [e.session, e.payload.status])).toEqual([
      [SUB2, "failed"],
      [SUB1, "done"],
    ]);
    const work = await json("query", ["--agent", "work", "-t", "conversation.message_in"]);
    expect(work.events.map((e) => [e.session, e.payload.text])).toEqual([
      ["agent:work:main", "Rotate the vault token for the billing service."],
      ["agent:work:discord:group:dev", "@bot what's the build status?"],
    ]);
    const legacy = await json("query", ["discord:*", "agent:main:cron:*", "-t", "session_start"]);
    expect(legacy.events.map((e) => e.session)).toEqual(["agent:main:cron:daily-digest", "agent:work:discord:group:dev"]);
  });

  it("a bad --since exits non-zero with the clear message on stderr and nothing on stdout", async () => {
    const result = await cli("query", ["--since", "yesterday-ish"]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim()).toBe(
      'error: --since: "yesterday-ish" is not a time. Use ISO-8601 ("2026-02-15T10:00:00Z"), epoch milliseconds (1739613600000), or a duration before now ("30s", "15m", "1h", "7d", "2 days").',
    );
    const types = await cli("query", ["--types", "tool_calls"]);
    expect(types.code).toBe(2);
    expect(types.stderr).toMatch(/^error: --types: "tool_calls" is not an event type\. Use one of: .*\btool_call\b/);
    const both = await cli("query", ["--session", MAIN, "agent:work:*"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--session reads one session/);
    const operator = await cli("query", ["-s", "current"]);
    expect(operator.code).toBe(2);
    expect(operator.stderr).toMatch(/no caller session .*operator/);
  });
});

describe("sessions", () => {
  it("lists the registry as a table: key, agent, id, updated, spawnedBy, status, source", async () => {
    const out = await ok("sessions");
    const lines = out.trimEnd().split("\n");
    expect(lines[0]).toMatch(row("key", "agent", "id", "updated", "spawnedBy", "status", "source"));
    expect(out).toMatch(row(SUB2, "main", "a91b2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "2026-11-18 09:00:31Z", SUB1, "failed", "openclaw-files"));
    expect(out).toMatch(row(MAIN, "main", "3f1e2c4a-8b7d-4c1e-9a2f-5d6e7f8a9b01", "2026-11-18 09:32:00Z", "-", "running", "openclaw-files"));
    expect(out).toMatch(row("agent:work:discord:group:dev", "work", "f00dbabe-0001-4002-8003-000400050006", "2026-11-19 15:00:03Z", "-", "-", "openclaw-files"));
    const rows = lines.slice(2, -1);
    expect(lines.at(-1)).toBe(`${rows.length} session(s) in openclaw state dir ${sample.box.store}`);
    expect(rows.filter((l) => /^agent:(main|work):/.test(l))).toHaveLength(7);
    // --caller with scope agent: exactly agent main's five sessions
    const agentMain = (await ok("sessions", ["--caller", MAIN, "--scope", "agent"])).trimEnd().split("\n");
    expect(agentMain.slice(2, -1).map((l) => l.split(/\s+/)[0])).toEqual([MAIN, SUB1, SUB2, "agent:main:telegram:dm:821071206", "agent:main:cron:daily-digest"]);
    expect(agentMain.at(-1)).toBe(`5 session(s) in openclaw state dir ${sample.box.store}`);
  });

  it("--json gives the rows newest first, and the caller's scope limits them", async () => {
    type Row = { key: string; agent: string; sessionId: string; updatedAt: number | null; spawnedBy: string | null; status: string | null; source: string };
    const rows = await json<Row[]>("sessions", []);
    expect(rows.map((r) => r.key).filter((k) => /^agent:(main|work):/.test(k))).toEqual([
      "agent:work:discord:group:dev",
      "agent:work:main",
      MAIN,
      SUB1,
      SUB2,
      "agent:main:telegram:dm:821071206",
      "agent:main:cron:daily-digest",
    ]);
    const updated = rows.map((r) => r.updatedAt ?? 0);
    expect(updated).toEqual([...updated].sort((a, b) => b - a));
    expect(rows.find((r) => r.key === SUB1)).toMatchObject({ agent: "main", sessionId: "7c2d9e10-4f3a-4b8c-a1d2-e3f405162738", spawnedBy: MAIN, status: "done", source: "openclaw-files", updatedAt: 1794992561000 });
    const tree = await json<Row[]>("sessions", ["--caller", MAIN]);
    expect(tree.map((r) => r.key)).toEqual([MAIN, SUB1, SUB2]);
    const self = await json<Row[]>("sessions", ["--caller", SUB1, "--scope", "self"]);
    expect(self.map((r) => r.key)).toEqual([SUB1]);
  });
});

describe("principal from the environment", () => {
  it("SESSION_EVENTS_CALLER / _SCOPE / _CLEARANCE act like the flags, and flags win", async () => {
    const fromEnv = await json("query", ["-s", "current"], { SESSION_EVENTS_CALLER: MAIN });
    const fromFlag = await json("query", ["-s", "current", "--caller", MAIN]);
    expect(fromEnv.events).toHaveLength(28);
    expect(fromEnv.events).toEqual(fromFlag.events);
    const rows = await json<{ key: string }[]>("sessions", [], { SESSION_EVENTS_CALLER: MAIN, SESSION_EVENTS_SCOPE: "self" });
    expect(rows.map((r) => r.key)).toEqual([MAIN]);
    const flagWins = await json<{ key: string }[]>("sessions", ["--scope", "tree"], { SESSION_EVENTS_CALLER: MAIN, SESSION_EVENTS_SCOPE: "self" });
    expect(flagWins.map((r) => r.key)).toEqual([MAIN, SUB1, SUB2]);
    const pub = await json("query", ["-s", "current", "-n", "500"], { SESSION_EVENTS_CALLER: MAIN, SESSION_EVENTS_CLEARANCE: "public" });
    expect(pub.events).toHaveLength(18);
    expect(pub.hiddenByVisibility).toBe(10);
    expect(new Set(pub.events.map((e) => e.visibility))).toEqual(new Set(["public"]));
    const bad = await cli("sessions", [], { SESSION_EVENTS_SCOPE: "bogus" });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("scope must be one of self, tree, agent, all.");
  });
});

describe("SESSION_EVENTS_HEAP_GROWTH", () => {
  it("takes a whole percent (0 keeps V8's own heuristics) and refuses anything else, saying what it accepts", async () => {
    for (const value of ["0", "30", "150"]) expect(JSON.parse(await ok("sessions", ["--json"], { SESSION_EVENTS_HEAP_GROWTH: value })).length).toBeGreaterThan(0);
    for (const value of ["-5", "1.5", "lots", "401"]) {
      const result = await cli("sessions", ["--json"], { SESSION_EVENTS_HEAP_GROWTH: value });
      expect(result.code).not.toBe(0);
      expect(result.stdout).toBe("");
      expect(result.stderr.trim()).toBe(
        `error: SESSION_EVENTS_HEAP_GROWTH must be a whole percent from 0 (V8's own heuristics) to 400, got ${JSON.stringify(value)}`,
      );
    }
  });
});

describe("help, version and mcp", () => {
  it("--help on the root and on every command exits 0 and names its options", async () => {
    const root = await runCli(["--help"], sample.env);
    expect(root.code).toBe(0);
    expect(root.stdout).toMatch(/^Usage: session-events \[options\] \[command\]/);
    for (const text of ["-V, --version", "-h, --help", "mcp [options]", "query [options] [patterns...]", "sessions [options]", "With no command, serves MCP over stdio"]) {
      expect(root.stdout).toContain(text);
    }
    const expected: Record<string, string[]> = {
      mcp: SHARED_OPTIONS,
      query: [...SHARED_OPTIONS, "-s, --session <key>", "-t, --types <list>", "--since <time>", "--until <time>", "-n, --limit <n>", "--order <order>", "--cursor <cursor>", "--agent <id>", "--spawned-by <key>", "--descendants", "--json"],
      sessions: [...SHARED_OPTIONS, "--json"],
    };
    for (const [command, options] of Object.entries(expected)) {
      const help = await runCli([command, "--help"], sample.env);
      expect(help.code, command).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^Usage: session-events ${command} \\[options\\]`));
      for (const option of options) expect(help.stdout, `${command} --help names ${option}`).toContain(option);
      expect(help.stdout).toContain('(choices: "self", "tree", "agent", "all")');
    }
    const version = await runCli(["--version"], sample.env);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")).version);
    const badScope = await cli("query", ["--scope", "everyone"]);
    expect(badScope.code).not.toBe(0);
    expect(badScope.stderr).toContain("Allowed choices are self, tree, agent, all");
  });

  it("takes the shared options before the command too (session-events --store DIR sessions)", async () => {
    const result = await runCli(["--store", sample.box.store, "sessions", "--json"], sample.env);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    // agents main (5) and work (2) in files, ops (2 current) in SQLite
    expect(JSON.parse(result.stdout)).toHaveLength(9);
  });

  it("`mcp` speaks JSON-RPC on stdout only and exits 0 when stdin closes", async () => {
    const child = spawn(process.execPath, [MAIN_JS, "mcp", "--store", sample.box.store, "--caller", MAIN], { env: sample.env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const send = (message: unknown) => child.stdin.write(`${JSON.stringify(message)}\n`);
    const waitFor = async (id: number) => {
      for (let i = 0; i < 200; i++) {
        const line = stdout.split("\n").find((l) => l.includes(`"id":${id}`));
        if (line) return JSON.parse(line);
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`no response ${id}; stdout: ${stdout}`);
    };
    try {
      send({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } } });
      const init = await waitFor(1);
      expect(init.result.serverInfo.name).toBe("openclaw-session-events");
      expect(init.result.capabilities.tools).toBeDefined();
      send({ jsonrpc: "2.0", method: "notifications/initialized" });
      send({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "session_events", arguments: { types: ["error"] } } });
      const res = await waitFor(2);
      expect(res.result.structuredContent.events.map((e: { payload: { message: string } }) => e.payload.message)).toEqual(["429 rate_limit_exceeded: retry after 30s"]);
      for (const line of stdout.split("\n").filter(Boolean)) expect(JSON.parse(line).jsonrpc).toBe("2.0");
      child.stdin.end();
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill();
    }
  });
});

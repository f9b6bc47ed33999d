/**
 * The HTTP face end to end: the BUILT `serve` in a child process on loopback, tokens made with the
 * built `token add`, every endpoint, and one table of queries asked three ways (REST, MCP over
 * Streamable HTTP with the SDK's own client, MCP over stdio) for several principals: the same answers.
 */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectServer, PROJECT_ROOT, run, runCli, useSampleStoreCopy, type Connected } from "./helpers/built-server.js";
import { bearer, get, serve, type Served } from "./helpers/http-server.js";

const MAIN = "agent:main:main";
const SUB1 = "agent:main:subagent:5f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f";

type Who = { name: string; flags: string[] };
const PRINCIPALS: Who[] = [
  { name: "operator", flags: ["--clearance", "confidential"] },
  { name: "main-tree", flags: ["--caller", MAIN, "--scope", "tree"] },
  { name: "sub-self", flags: ["--caller", SUB1, "--scope", "self", "--clearance", "public"] },
  { name: "ops-agent", flags: ["--caller", "agent:ops:main", "--scope", "agent"] },
];

/** One query: the tool call, and the same as a REST request. */
type Query = { tool: string; args: Record<string, unknown>; rest: string };
const QUERIES: Query[] = [
  { tool: "session_events", args: { sessionKey: MAIN, types: ["tool_call", "tool_error"], limit: 5 }, rest: `/api/sessions/${encodeURIComponent(MAIN)}/events?types=tool_call,tool_error&limit=5` },
  { tool: "session_events", args: { sessionKey: SUB1, order: "desc", limit: 3 }, rest: `/api/sessions/${encodeURIComponent(SUB1)}/events?order=desc&limit=3` },
  { tool: "sessions_events", args: { sessionKey: ["agent:main:*", "agent:ops:*"], since: "2026-11-18T00:00:00Z", limit: 20 }, rest: "/api/events?sessionKey=agent:main:*&sessionKey=agent:ops:*&since=2026-11-18T00:00:00Z&limit=20" },
  { tool: "sessions_events", args: { agentId: "ops", types: ["message"], since: 1794960000000 }, rest: "/api/events?agent=ops&types=message&since=1794960000000" },
  { tool: "sessions_events", args: { spawnedBy: MAIN, descendants: true, groupBy: ["type"] }, rest: `/api/events?spawnedBy=${encodeURIComponent(MAIN)}&descendants=true&groupBy=type` },
  { tool: "session_state", args: { sessionKey: MAIN, atSeq: 12, lastMessages: 3 }, rest: `/api/sessions/${encodeURIComponent(MAIN)}/state?atSeq=12&lastMessages=3` },
  { tool: "session_events", args: { sessionKey: "agent:nobody:main" }, rest: `/api/sessions/agent%3Anobody%3Amain/events` },
  { tool: "sessions_search", args: { query: "read", limit: 3 }, rest: "/api/search?query=read&limit=3" },
  { tool: "sessions_events", args: { text: "digest", limit: 5 }, rest: "/api/events?text=digest&limit=5" },
];

const sample = useSampleStoreCopy();
let server: Served;
const tokens: Record<string, string> = {};
let tokensFile: string;
const stdio: Record<string, Connected> = {};
const mcpHttp: Record<string, Client> = {};

beforeAll(async () => {
  tokensFile = join(sample.box.root, "tokens.json");
  for (const who of PRINCIPALS) {
    const made = await runCli(["token", "add", who.name, "--tokens", tokensFile, ...who.flags], sample.env);
    expect(made.code, made.stderr).toBe(0);
    tokens[who.name] = made.stdout.trim();
  }
  server = await serve(["--store", sample.box.store, "--tokens", tokensFile], sample.env);
  for (const who of PRINCIPALS) {
    stdio[who.name] = await connectServer(["mcp", "--store", sample.box.store, ...who.flags], sample.env);
    const client = new Client({ name: "http-e2e", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: bearer(tokens[who.name]!) } }));
    mcpHttp[who.name] = client;
  }
}, 120_000);

afterAll(async () => {
  for (const client of Object.values(mcpHttp)) await client.close().catch(() => undefined);
  for (const s of Object.values(stdio)) await s.close();
  await server?.stop();
});

/** A tool's answer as JSON, or its error text; the cursor left out (opaque: equal pages may differ in it). */
function viaTool(result: CallToolResult): { ok: boolean; value: unknown } {
  if (result.isError) return { ok: false, value: (result.content[0] as { text: string }).text };
  const { nextCursor: _, ...rest } = result.structuredContent as Record<string, unknown>;
  return { ok: true, value: rest };
}

describe("token add", () => {
  it("writes only hashes, in a file of mode 0600, and prints each token once", () => {
    expect(statSync(tokensFile).mode & 0o777).toBe(0o600);
    const text = readFileSync(tokensFile, "utf8");
    for (const token of Object.values(tokens)) {
      expect(token).toMatch(/^se_[A-Za-z0-9_-]{43}$/);
      expect(text).not.toContain(token);
    }
    expect(JSON.parse(text).tokens.map((t: { name: string }) => t.name)).toEqual(PRINCIPALS.map((p) => p.name));
  });

  it("refuses a tree token without caller and a second token of one name", async () => {
    const bad = await runCli(["token", "add", "x", "--scope", "tree", "--tokens", tokensFile], sample.env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/needs a caller/);
    const twice = await runCli(["token", "add", "operator", "--tokens", tokensFile], sample.env);
    expect(twice.code).not.toBe(0);
  });
});

describe("REST == MCP over HTTP == MCP over stdio", () => {
  for (const who of PRINCIPALS) {
    for (const query of QUERIES) {
      it(`${who.name}: ${query.tool} ${JSON.stringify(query.args)}`, async () => {
        const rest = await get(server.url + query.rest, { headers: bearer(tokens[who.name]!) });
        const overStdio = viaTool((await stdio[who.name]!.client.callTool({ name: query.tool, arguments: query.args })) as CallToolResult);
        const overHttp = viaTool((await mcpHttp[who.name]!.callTool({ name: query.tool, arguments: query.args })) as CallToolResult);
        expect(overHttp).toEqual(overStdio);
        if (overStdio.ok) {
          expect(rest.status, rest.body).toBe(200);
          const { nextCursor: _, ...page } = rest.json();
          expect(page).toEqual(overStdio.value);
        } else {
          expect(rest.status, rest.body).toBe(404);
          expect(rest.json()).toEqual({ error: { code: "not_found", message: overStdio.value } });
        }
      });
    }
  }

  it("lists the same tools over HTTP as over stdio", async () => {
    const a = await mcpHttp.operator!.listTools();
    const b = await stdio.operator!.client.listTools();
    expect(a.tools.map((t) => t.name).sort()).toEqual(["session_events", "session_state", "sessions_events", "sessions_search"]);
    expect(a).toEqual(b);
  });

  it("follows a REST cursor to the same next page as the tool's", async () => {
    const first = await get(`${server.url}/api/events?limit=4`, { headers: bearer(tokens.operator!) });
    const next = await get(`${server.url}/api/events?limit=4&cursor=${encodeURIComponent(first.json().nextCursor)}`, { headers: bearer(tokens.operator!) });
    const tool = await stdio.operator!.client.callTool({ name: "sessions_events", arguments: { limit: 8 } });
    const events = (tool.structuredContent as { events: unknown[] }).events;
    expect([...first.json().events, ...next.json().events]).toEqual(events);
  });
});

describe("the MCP Inspector CLI over HTTP (a second, independent client)", () => {
  // (inspector 0.15 cannot send headers, so this server has no tokens: loopback, the command line's principal)
  const INSPECTOR = join(PROJECT_ROOT, "node_modules", "@modelcontextprotocol", "inspector", "cli", "build", "cli.js");

  it("lists the tools and calls one, with the answer stdio gives", async () => {
    const open = await serve(["--store", sample.box.store, "--caller", MAIN, "--scope", "tree"], sample.env);
    try {
      const inspect = async (method: string[]) => {
        const result = await run(process.execPath, [INSPECTOR, "--cli", `${open.url}/mcp`, ...method], sample.env, 60_000);
        expect(result.code, result.stderr).toBe(0);
        return JSON.parse(result.stdout);
      };
      const listed = await inspect(["--method", "tools/list"]);
      expect(listed.tools.map((t: { name: string }) => t.name).sort()).toEqual(["session_events", "session_state", "sessions_events", "sessions_search"]);
      const called = await inspect(["--method", "tools/call", "--tool-name", "sessions_events", "--tool-arg", "limit=3", "--tool-arg", "order=desc"]);
      const expected = await stdio["main-tree"]!.client.callTool({ name: "sessions_events", arguments: { limit: 3, order: "desc" } });
      expect(viaTool(called as CallToolResult)).toEqual(viaTool(expected as CallToolResult));
    } finally {
      await open.stop();
    }
  }, 90_000);
});

describe("endpoints", () => {
  const operator = () => bearer(tokens.operator!);

  it("/healthz needs no token", async () => {
    const answer = await get(`${server.url}/healthz`);
    expect(answer.status).toBe(200);
    expect(answer.json()).toMatchObject({ ok: true, version: expect.any(String) });
  });

  it("/api/sessions is the registry the token may see, without file locations", async () => {
    const all = await get(`${server.url}/api/sessions`, { headers: operator() });
    expect(all.status).toBe(200);
    const rows = all.json() as { key: string }[];
    expect(rows.length).toBe(9);
    expect(all.body).not.toContain(sample.box.store);
    expect(all.body).not.toContain("location");
    const cli = await runCli(["sessions", "--json", "--store", sample.box.store, "--clearance", "confidential"], sample.env);
    expect(rows).toEqual((JSON.parse(cli.stdout) as Record<string, unknown>[]).map(({ location: _, ...row }) => row));
    const tree = await get(`${server.url}/api/sessions?agent=main`, { headers: bearer(tokens["main-tree"]!) });
    expect((tree.json() as { key: string }[]).map((r) => r.key).sort()).toEqual([MAIN, SUB1, "agent:main:subagent:9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"].sort());
    const self = await get(`${server.url}/api/sessions`, { headers: bearer(tokens["sub-self"]!) });
    expect((self.json() as { key: string }[]).map((r) => r.key)).toEqual([SUB1]);
  });

  it("a bad or unknown parameter is a 400 that says what is accepted", async () => {
    const unknown = await get(`${server.url}/api/events?bogus=1`, { headers: operator() });
    expect(unknown.status).toBe(400);
    expect(unknown.json().error.code).toBe("bad_request");
    expect(unknown.json().error.message).toMatch(/bogus[\s\S]*Accepted query parameters: .*types/);
    const badNumber = await get(`${server.url}/api/events?limit=ten`, { headers: operator() });
    expect(badNumber.status).toBe(400);
    expect(badNumber.json().error.message).toMatch(/limit/);
    const badCursor = await get(`${server.url}/api/events?cursor=c1.nope`, { headers: operator() });
    expect(badCursor.status).toBe(400);
    expect((await get(`${server.url}/api/nothing`, { headers: operator() })).status).toBe(404);
  });

  it("/openapi.json is an OpenAPI 3.1 document generated from the input schemas", async () => {
    const answer = await get(`${server.url}/openapi.json`);
    expect(answer.status).toBe(200);
    const doc = answer.json();
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).sort()).toEqual(["/api/events", "/api/events/stream", "/api/search", "/api/sessions", "/api/sessions/{key}/events", "/api/sessions/{key}/state"]);
    const params = (doc.paths["/api/events"].get.parameters as { name: string }[]).map((p) => p.name);
    expect(params).toEqual(expect.arrayContaining(["types", "since", "limit", "cursor", "agentId", "waitMs"]));
    const streamParams = (doc.paths["/api/events/stream"].get.parameters as { name: string }[]).map((p) => p.name);
    expect(streamParams).not.toContain("limit");
  });

  it("/metrics is Prometheus text for an operator token only", async () => {
    const answer = await get(`${server.url}/metrics`, { headers: operator() });
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toMatch(/text\/plain/);
    for (const name of ["session_events_http_requests_total", "session_events_http_request_duration_seconds_bucket", "session_events_open_streams", "session_events_events_served_total", "session_events_index_sessions"]) {
      expect(answer.body).toContain(name);
    }
    expect(answer.body).toMatch(/session_events_http_requests_total\{route="\/api\/events",method="GET",status="200"\} \d+/);
    const notOperator = await get(`${server.url}/metrics`, { headers: bearer(tokens["main-tree"]!) });
    expect(notOperator.status).toBe(403);
    expect((await get(`${server.url}/metrics`)).status).toBe(401);
  });

  it("GET /mcp is 405 (a stateless server), and the logs hold no token", async () => {
    const answer = await get(`${server.url}/mcp`, { headers: operator() });
    expect(answer.status).toBe(405);
    for (const token of Object.values(tokens)) expect(server.stderr()).not.toContain(token);
    expect(server.stderr()).not.toContain("Bearer");
    expect(server.stdout().trim().split("\n")).toHaveLength(1);
  });

  it("stops on SIGTERM with exit 0 within 5 s", async () => {
    const other = await serve(["--store", sample.box.store], sample.env);
    expect((await get(`${other.url}/healthz`)).status).toBe(200);
    const { code, ms } = await other.stop();
    expect(code).toBe(0);
    expect(ms).toBeLessThan(5_000);
  });
});

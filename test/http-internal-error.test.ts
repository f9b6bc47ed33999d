/**
 * A real internal failure behind the HTTP face: the store's listing fails with the file system's own
 * error (ENOENT, naming a path), as when a store's directory goes away mid-flight. Every route answers
 * 500 with the JSON error body and nothing of the failure in it (no stack, no path, no errno); the
 * details go to the log only; the server keeps serving once the store is back. The server runs in
 * this process (Fastify on real loopback HTTP) so that its source can be made to fail at will.
 */
import { appendFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppContext, type AppContext } from "../src/app/context.js";
import { startHttpServer, type RunningServer } from "../src/http/server.js";
import { sampleStoreCopy, type Sandbox } from "./helpers/built-server.js";
import { get } from "./helpers/http-server.js";
import { undocumentedStatuses } from "./helpers/openapi-statuses.js";

const MAIN = encodeURIComponent("agent:main:main");
const ROUTES = [
  "/api/events?limit=5",
  `/api/sessions/${MAIN}/events?limit=5`,
  `/api/sessions/${MAIN}/state`,
  "/api/search?query=read",
  "/api/sessions",
  "/api/export?format=openai",
  "/api/events/stream?since=2026-11-01T00:00:00Z",
];

let box: Sandbox;
let server: RunningServer;
let broken = false;
let log = "";
const writeStderr = process.stderr.write.bind(process.stderr);

/** The failure: what readdir says of a directory that is gone (its message names the path). */
function failIfBroken(): void {
  if (broken) readdirSync(join(box.store, "agents-gone-mid-flight"));
}

beforeAll(async () => {
  box = sampleStoreCopy();
  const base = createAppContext({ store: box.store, clearance: "confidential" }, { SESSION_EVENTS_CACHE_DIR: box.cacheDir, SESSION_EVENTS_CURSOR_SECRET: "test-secret-0123456789" });
  const ctx: AppContext = {
    ...base,
    listSessions: async () => {
      failIfBroken();
      return base.listSessions();
    },
    sessionsNamed: async (ref) => {
      failIfBroken();
      return base.sessionsNamed!(ref);
    },
  };
  // the log is kept, not shown: its details are what the answers must not carry
  process.stderr.write = ((chunk: string | Uint8Array) => {
    log += chunk.toString();
    return true;
  }) as typeof process.stderr.write;
  server = await startHttpServer(ctx, { host: "127.0.0.1", port: 0, allowOrigins: [], allowHosts: [], rateLimitPerMinute: 10_000 });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  process.stderr.write = writeStderr;
  box?.cleanup();
});

function expectNothingLeaked(text: string): void {
  expect(text).not.toContain(box.root);
  expect(text).not.toContain("agents-gone");
  expect(text).not.toMatch(/ENOENT|scandir|\n\s+at |node:internal|\.ts:\d+|\.js:\d+/);
}

describe("an internal failure", () => {
  it.each(ROUTES)("GET %s: 500, the JSON error body and nothing of the failure; the details in the log", async (route) => {
    broken = true;
    log = "";
    const answer = await get(`${server.url}${route}`);
    broken = false;
    expect(answer.status, answer.body).toBe(500);
    expect(answer.headers["content-type"]).toMatch(/^application\/json/);
    expect(answer.json()).toEqual({ error: { code: "internal", message: expect.stringMatching(/failed on this request.*log/) } });
    expectNothingLeaked(answer.body);
    expect(log).toContain("ENOENT");

    const again = await get(`${server.url}${route.includes("stream") ? "/api/events?limit=5" : route}`);
    expect(again.status, again.body).toBe(200);
  });

  it("MCP over HTTP: the tool call is an error result with nothing of the failure in it; the server goes on", async () => {
    const client = new Client({ name: "internal-error", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)));
    try {
      broken = true;
      const failed = await client.callTool({ name: "sessions_events", arguments: { limit: 3 } });
      broken = false;
      expect(failed.isError).toBe(true);
      expectNothingLeaked(JSON.stringify(failed));
      const ok = await client.callTool({ name: "sessions_events", arguments: { limit: 3 } });
      expect(ok.isError).toBeFalsy();
    } finally {
      await client.close();
    }
  });

  it("mid-stream: the stream ends with a notice to resume, nothing of the failure in it; a new stream works", async () => {
    const controller = new AbortController();
    const response = await fetch(`${server.url}/api/events/stream?sessionKey=agent:main:main`, { signal: controller.signal });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const read = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        text += decoder.decode(value);
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    broken = true;
    const transcript = join(box.store, "agents", "main", "sessions", "3f1e2c4a-8b7d-4c1e-9a2f-5d6e7f8a9b01.jsonl");
    appendFileSync(transcript, `${JSON.stringify({ type: "custom", customType: "poke", id: "poke-1", parentId: null, timestamp: new Date().toISOString(), data: {} })}\n`);
    await Promise.race([read, new Promise((r) => setTimeout(r, 10_000))]);
    broken = false;
    controller.abort();
    expect(text).toMatch(/event: notice\ndata: .*failed on the server side; resume with Last-Event-ID/);
    expectNothingLeaked(text);
    expect((await get(`${server.url}/api/events?limit=1`)).status).toBe(200);
  }, 20_000);

  it("every status seen on an /api/ route is in its OpenAPI entry (500 included)", async () => {
    const { seen, undocumented } = await undocumentedStatuses(server.url);
    expect(seen).toContain("GET /api/events 500");
    expect(undocumented).toEqual([]);
  });
});

/**
 * The HTTP face under attack, over real loopback against the BUILT server: nothing gets through, and
 * the server keeps serving after each attempt.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, useSampleStoreCopy } from "./helpers/built-server.js";
import { bearer, get, serve, type Served } from "./helpers/http-server.js";

const MAIN = "agent:main:main";
const MAIN_ID = "3f1e2c4a-8b7d-4c1e-9a2f-5d6e7f8a9b01";
const SUB1 = "agent:main:subagent:5f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f";

const sample = useSampleStoreCopy();
let server: Served;
let tokensFile: string;
const tokens: Record<string, string> = {};

async function addToken(name: string, flags: string[] = []): Promise<string> {
  const made = await runCli(["token", "add", name, "--tokens", tokensFile, ...flags], sample.env);
  expect(made.code, made.stderr).toBe(0);
  return made.stdout.trim();
}

async function stillServing(): Promise<void> {
  const answer = await get(`${server.url}/api/sessions`, { headers: bearer(tokens.operator!) });
  expect(answer.status).toBe(200);
}

async function eventually(check: () => Promise<boolean>, ms: number): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - start;
}

beforeAll(async () => {
  tokensFile = join(sample.box.root, "tokens.json");
  tokens.operator = await addToken("operator");
  tokens.self = await addToken("self", ["--caller", SUB1, "--scope", "self"]);
  tokens.doomed = await addToken("doomed");
  tokens.renamed = await addToken("renamed");
  const config = join(sample.box.root, "config.json");
  writeFileSync(config, JSON.stringify({ rateLimitPerMinute: 40 }));
  server = await serve(["--store", sample.box.store, "--tokens", tokensFile, "--config", config, "--allow-origin", "https://dash.example.org"], sample.env);
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe("tokens", () => {
  it("no token or a wrong token is a 401 with WWW-Authenticate", async () => {
    for (const headers of [{}, bearer("se_wrong"), bearer(`${tokens.operator}x`), { authorization: `Basic ${tokens.operator}` }]) {
      const answer = await get(`${server.url}/api/events`, { headers });
      expect(answer.status).toBe(401);
      expect(answer.headers["www-authenticate"]).toMatch(/^Bearer/);
      expect(answer.json().error.code).toBe("unauthorized");
    }
    expect((await get(`${server.url}/mcp`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } })).status).toBe(401);
    await stillServing();
  });

  it("a token revoked by editing the file in place stops working within 5 s; one replaced by rename too", async () => {
    expect((await get(`${server.url}/api/events?limit=1`, { headers: bearer(tokens.doomed!) })).status).toBe(200);
    const file = JSON.parse(readFileSync(tokensFile, "utf8"));
    file.tokens = file.tokens.filter((t: { name: string }) => t.name !== "doomed");
    writeFileSync(tokensFile, JSON.stringify(file));
    const ms = await eventually(async () => (await get(`${server.url}/api/events?limit=1`, { headers: bearer(tokens.doomed!) })).status === 401, 5_000);
    expect(ms).toBeLessThan(5_000);

    file.tokens = file.tokens.filter((t: { name: string }) => t.name !== "renamed");
    writeFileSync(`${tokensFile}.new`, JSON.stringify(file));
    renameSync(`${tokensFile}.new`, tokensFile);
    await eventually(async () => (await get(`${server.url}/api/events?limit=1`, { headers: bearer(tokens.renamed!) })).status === 401, 5_000);
    await stillServing();
  });

  it("a file made invalid keeps the last good tokens and says so on stderr", async () => {
    const good = readFileSync(tokensFile, "utf8");
    writeFileSync(tokensFile, "{ not json");
    await eventually(async () => /keeping the last good tokens/.test(server.stderr()), 5_000);
    await stillServing();
    writeFileSync(tokensFile, good);
  });

  it("a tree token without caller, or two entries with one hash, stop the start (exit 2)", async () => {
    const bad = join(sample.box.root, "bad-tokens.json");
    const hash = "a".repeat(64);
    for (const tokensList of [[{ name: "x", sha256: hash, scope: "tree" }], [{ name: "x", sha256: hash }, { name: "y", sha256: hash }], [{ name: "x", sha256: hash, extra: 1 }]]) {
      writeFileSync(bad, JSON.stringify({ tokens: tokensList }));
      const error = await serve(["--store", sample.box.store, "--tokens", bad], sample.env).then(
        () => undefined,
        (e: { code: number; stderr: string }) => e,
      );
      expect(error?.code).toBe(2);
      expect(error?.stderr).toMatch(/tokens file .* is not valid/);
    }
  });
});

describe("a self token reaches nothing else", () => {
  const self = () => bearer(tokens.self!);
  const notFound = (key: string) => `No session ${JSON.stringify(key)} visible to you.`;

  it("by key, by id, and for the state: the 404 of a session that does not exist", async () => {
    for (const [path, key] of [
      [`/api/sessions/${encodeURIComponent(MAIN)}/events`, MAIN],
      [`/api/sessions/${MAIN_ID}/events`, MAIN_ID],
      [`/api/sessions/${encodeURIComponent(MAIN)}/state`, MAIN],
      [`/api/events?spawnedBy=${encodeURIComponent(MAIN)}`, MAIN],
    ] as const) {
      const answer = await get(server.url + path, { headers: self() });
      expect(answer.status, path).toBe(404);
      expect(answer.json().error.message.startsWith(notFound(key))).toBe(true);
    }
    const missing = await get(`${server.url}/api/sessions/agent%3Amain%3Anothing/events`, { headers: self() });
    expect(missing.json().error.message.replace("agent:main:nothing", MAIN)).toBe(
      (await get(`${server.url}/api/sessions/${encodeURIComponent(MAIN)}/events`, { headers: self() })).json().error.message,
    );
  });

  it("by pattern: only its own session's events", async () => {
    const answer = await get(`${server.url}/api/events?sessionKey=*&limit=500`, { headers: self() });
    expect(answer.status).toBe(200);
    const sessions = new Set((answer.json().events as { session: string }[]).map((e) => e.session));
    expect([...sessions]).toEqual([SUB1]);
  });

  it("by a cursor of another principal: refused", async () => {
    const theirs = (await get(`${server.url}/api/events?limit=2`, { headers: bearer(tokens.operator!) })).json().nextCursor as string;
    const answer = await get(`${server.url}/api/events?limit=2&cursor=${encodeURIComponent(theirs)}`, { headers: self() });
    expect(answer.status).toBe(400);
    expect(answer.json().error.message).toMatch(/cursor belongs to a different query or caller/);
    const stream = await get(`${server.url}/api/events/stream?cursor=${encodeURIComponent(theirs)}`, { headers: self() });
    expect(stream.status).toBe(400);
  });

  it("by SSE: another session is a 404, a pattern replays only its own", async () => {
    const parent = await get(`${server.url}/api/events/stream?spawnedBy=${encodeURIComponent(MAIN)}`, { headers: self() });
    expect(parent.status).toBe(404);
    const events = await sseFor(`${server.url}/api/events/stream?sessionKey=*&since=2000-01-01T00:00:00Z`, tokens.self!, 1_500);
    expect(events.length).toBeGreaterThan(0);
    expect(new Set(events.map((e) => JSON.parse(e.data).session))).toEqual(new Set([SUB1]));
  });
});

/** Reads a stream for `ms`, then returns its messages. */
async function sseFor(url: string, token: string, ms: number): Promise<{ event: string; id: string; data: string }[]> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: bearer(token), signal: controller.signal });
  expect(response.status).toBe(200);
  let text = "";
  const reader = response.body!.getReader();
  const timer = setTimeout(() => controller.abort(), ms);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString("utf8");
    }
  } catch {
    // aborted: the time is up
  } finally {
    clearTimeout(timer);
  }
  return text
    .split("\n\n")
    .filter((block) => block.includes("data: "))
    .map((block) => {
      const field = (name: string) => block.split("\n").find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2) ?? "";
      return { event: field("event"), id: field("id"), data: field("data") };
    });
}

describe("Host and Origin (DNS rebinding), before the token", () => {
  it("a foreign Origin is a 403, with or without a token; the server's own and --allow-origin pass", async () => {
    for (const headers of [{ origin: "https://evil.example" }, { origin: "https://evil.example", ...bearer(tokens.operator!) }, { origin: "null" }]) {
      const answer = await get(`${server.url}/api/events`, { headers });
      expect(answer.status).toBe(403);
      expect(answer.json().error.code).toBe("forbidden_origin");
    }
    expect((await get(`${server.url}/api/events?limit=1`, { headers: { origin: server.url, ...bearer(tokens.operator!) } })).status).toBe(200);
    expect((await get(`${server.url}/api/events?limit=1`, { headers: { origin: "https://dash.example.org", ...bearer(tokens.operator!) } })).status).toBe(200);
  });

  it("a rebinding Host is a 403, even for /healthz", async () => {
    const port = new URL(server.url).port;
    for (const host of [`evil.example:${port}`, "attacker.test", `127.0.0.1.nip.io:${port}`]) {
      for (const path of ["/api/events", "/healthz"]) {
        const answer = await get(server.url + path, { headers: { host, ...bearer(tokens.operator!) } });
        expect(answer.status).toBe(403);
        expect(answer.json().error.code).toBe("forbidden_host");
      }
    }
    expect((await get(`${server.url}/healthz`, { headers: { host: `localhost:${port}` } })).status).toBe(200);
  });

  it("refuses to bind a non-loopback address without tokens (exit 2, saying why)", async () => {
    const error = await serve(["--store", sample.box.store, "--listen", "0.0.0.0:0"], sample.env).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(error?.code).toBe(2);
    expect(error?.stderr).toMatch(/refusing to listen on 0\.0\.0\.0 without tokens/);
  });
});

describe("all addresses, with tokens from SESSION_EVENTS_TOKENS", () => {
  it("starts, answers to 127.0.0.1 and localhost, and still wants a token", async () => {
    const wide = await serve(["--store", sample.box.store, "--listen", "0.0.0.0:0"], { ...sample.env, SESSION_EVENTS_TOKENS: tokensFile });
    try {
      const port = new URL(wide.url).port;
      expect(wide.url).toBe(`http://0.0.0.0:${port}`);
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
        expect((await get(`http://127.0.0.1:${port}/healthz`, { headers: { host } })).status).toBe(200);
      }
      expect((await get(`http://127.0.0.1:${port}/api/events`)).status).toBe(401);
      expect((await get(`http://127.0.0.1:${port}/api/events?limit=1`, { headers: bearer(tokens.operator!) })).status).toBe(200);
      expect((await get(`http://127.0.0.1:${port}/healthz`, { headers: { host: `example.org:${port}` } })).status).toBe(403);
    } finally {
      await wide.stop();
    }
  });
});

describe("sizes, slow clients and floods", () => {
  it("a URL over 8 KB is a 414, headers over 16 KB a 431, a body over 1 MB a 413", async () => {
    const longUrl = await get(`${server.url}/api/events?sessionKey=${"a".repeat(9 * 1024)}`, { headers: bearer(tokens.operator!) });
    expect(longUrl.status).toBe(414);
    expect(longUrl.json().error.code).toBe("uri_too_long");
    const bigHeaders = await get(`${server.url}/api/events`, { headers: { ...bearer(tokens.operator!), "x-padding": "b".repeat(17 * 1024) } });
    expect(bigHeaders.status).toBe(431);
    const bigBody = await get(`${server.url}/mcp`, {
      method: "POST",
      headers: { ...bearer(tokens.operator!), "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping", params: { pad: "c".repeat(1024 * 1024 + 10) } }),
    });
    expect(bigBody.status).toBe(413);
    expect(bigBody.json().error.code).toBe("payload_too_large");
    await stillServing();
  });

  it("a slow-loris client that never finishes its headers is cut off", async () => {
    const { hostname, port } = new URL(server.url);
    const closedAfter = await new Promise<number>((resolve) => {
      const start = Date.now();
      const socket = connect(Number(port), hostname, () => socket.write("GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: "));
      const drip = setInterval(() => socket.write("a"), 1_000);
      socket.on("data", () => undefined);
      socket.on("close", () => {
        clearInterval(drip);
        resolve(Date.now() - start);
      });
      socket.on("error", () => undefined);
    });
    expect(closedAfter).toBeLessThan(15_000);
    await stillServing();
  }, 20_000);

  it("a flood over the rate limit gets 429 with Retry-After; another token is not held back", async () => {
    const flood = await addToken("flood");
    await eventually(async () => (await get(`${server.url}/api/sessions`, { headers: bearer(flood) })).status === 200, 5_000);
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof get>> | undefined;
    for (let i = 0; i < 45; i++) {
      const answer = await get(`${server.url}/healthz`, { headers: bearer(flood) });
      statuses.push(answer.status);
      if (answer.status === 429) limited ??= answer;
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(limited!.headers["retry-after"]).toMatch(/^\d+$/);
    expect(limited!.json().error.code).toBe("rate_limited");
    await stillServing();
  });
});

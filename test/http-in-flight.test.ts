/**
 * Identical requests (and MCP tool calls) that overlap share one read (src/http/in-flight.ts): the class on its own, then a
 * server in this process (real loopback HTTP, real sample store, real tokens file) whose store is made
 * slow, so that requests overlap for sure, and whose reads are counted.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppContext, type AppContext } from "../src/app/context.js";
import { hashToken, TokenRegistry } from "../src/app/tokens.js";
import { InFlight } from "../src/http/in-flight.js";
import { startHttpServer, type RunningServer } from "../src/http/server.js";
import { sampleStoreCopy, type Sandbox } from "./helpers/built-server.js";
import { bearer, get } from "./helpers/http-server.js";

describe("InFlight", () => {
  const never = new AbortController().signal;

  it("gives overlapping requests for one key one read, and keeps nothing once it settled", async () => {
    const flight = new InFlight<number>();
    let reads = 0;
    const read = async () => {
      reads++;
      await sleep(20);
      return reads;
    };
    const answers = await Promise.all([flight.run("a", never, read), flight.run("a", never, read), flight.run("a", never, read)]);
    expect(answers).toEqual([1, 1, 1]);
    expect(reads).toBe(1);
    expect(flight.size).toBe(0);
    expect(await flight.run("a", never, read)).toBe(2);
    await Promise.all([flight.run("a", never, read), flight.run("b", never, read)]);
    expect(reads).toBe(4);
  });

  it("shares a failure too, and forgets it", async () => {
    const flight = new InFlight<number>();
    let reads = 0;
    const failing = async () => {
      reads++;
      await sleep(10);
      throw new Error("store gone");
    };
    const both = await Promise.allSettled([flight.run("a", never, failing), flight.run("a", never, failing)]);
    expect(both.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(reads).toBe(1);
    await expect(flight.run("a", never, failing)).rejects.toThrow("store gone");
    expect(reads).toBe(2);
  });

  it("cancels the read only when every request waiting for it has gone, and starts anew after that", async () => {
    const flight = new InFlight<string>();
    const signals: AbortSignal[] = [];
    const read = (signal: AbortSignal) => {
      signals.push(signal);
      return new Promise<string>((resolve) => signal.addEventListener("abort", () => resolve("cancelled")));
    };
    const first = new AbortController();
    const second = new AbortController();
    void flight.run("a", first.signal, read);
    void flight.run("a", second.signal, read);
    first.abort();
    expect(signals[0]!.aborted).toBe(false);
    second.abort();
    expect(signals[0]!.aborted).toBe(true);
    // a request that comes while the cancelled read is still settling gets a read of its own
    const third = new AbortController();
    void flight.run("a", third.signal, read);
    expect(signals).toHaveLength(2);
    expect(signals[1]!.aborted).toBe(false);
    third.abort();
  });
});

describe("identical requests over HTTP", () => {
  let box: Sandbox;
  let server: RunningServer;
  let listings = 0;
  const tokens = { ops: "ops-token-0123456789abcdef0123456789", self: "self-token-0123456789abcdef0123456789" };

  beforeAll(async () => {
    box = sampleStoreCopy();
    const tokensFile = join(box.root, "tokens.json");
    writeFileSync(
      tokensFile,
      JSON.stringify({
        tokens: [
          { name: "ops", sha256: hashToken(tokens.ops), clearance: "confidential" },
          { name: "self", sha256: hashToken(tokens.self), caller: "agent:main:main", scope: "self", clearance: "internal" },
        ],
      }),
    );
    const base = createAppContext({ store: box.store }, { SESSION_EVENTS_CACHE_DIR: box.cacheDir, SESSION_EVENTS_CURSOR_SECRET: "test-secret-0123456789" });
    // a slow store (every listing or lookup takes 300 ms), so that requests sent together overlap for sure
    const ctx: AppContext = {
      ...base,
      listSessions: async () => {
        listings++;
        await sleep(300);
        return base.listSessions();
      },
      sessionsNamed: async (ref) => {
        listings++;
        await sleep(300);
        return base.sessionsNamed!(ref);
      },
    };
    server = await startHttpServer(ctx, { host: "127.0.0.1", port: 0, tokens: new TokenRegistry(tokensFile, () => undefined), allowOrigins: [], allowHosts: [], rateLimitPerMinute: 10_000 });
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    box?.cleanup();
  });

  /** The listings and lookups of the store one call of `work` makes. */
  const listingsOf = async (work: () => Promise<unknown>) => {
    const before = listings;
    await work();
    return listings - before;
  };

  it.each(["/api/events?limit=20", `/api/sessions/${encodeURIComponent("agent:main:main")}/events?limit=20`, "/api/search?query=read"])(
    "%s: ten at once read the store as one does, and get the same answer",
    async (path) => {
      const ask = () => get(`${server.url}${path}`, { headers: bearer(tokens.ops) });
      const one = await listingsOf(ask);
      expect(one).toBeGreaterThan(0);
      let answers: Awaited<ReturnType<typeof ask>>[] = [];
      const ten = await listingsOf(async () => (answers = await Promise.all(Array.from({ length: 10 }, ask))));
      expect(ten).toBe(one);
      expect(answers.every((a) => a.status === 200 && a.body === answers[0]!.body)).toBe(true);
      // nothing is kept: the next request reads again
      expect(await listingsOf(ask)).toBe(one);
    },
  );

  it("MCP over HTTP: ten identical tool calls at once read the store as one does, and get the same result", async () => {
    const call = () =>
      get(`${server.url}/mcp`, {
        method: "POST",
        headers: { ...bearer(tokens.ops), "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "sessions_events", arguments: { limit: 20 } } }),
      });
    const one = await listingsOf(call);
    expect(one).toBeGreaterThan(0);
    let answers: Awaited<ReturnType<typeof call>>[] = [];
    const ten = await listingsOf(async () => (answers = await Promise.all(Array.from({ length: 10 }, call))));
    expect(ten).toBe(one);
    const results = answers.map((a) => a.json().result);
    expect(results[0].isError).toBeUndefined();
    expect(results.every((r) => JSON.stringify(r) === JSON.stringify(results[0]))).toBe(true);
  });

  it("never shares an answer between principals", async () => {
    const path = "/api/events?limit=50";
    const alone = {
      ops: (await get(`${server.url}${path}`, { headers: bearer(tokens.ops) })).json(),
      self: (await get(`${server.url}${path}`, { headers: bearer(tokens.self) })).json(),
    };
    expect(new Set(alone.self.events.map((e: { session: string }) => e.session))).toEqual(new Set(["agent:main:main"]));
    expect(alone.ops.events.some((e: { session: string }) => e.session !== "agent:main:main")).toBe(true);
    const together = await Promise.all([tokens.ops, tokens.self, tokens.ops, tokens.self].map((t) => get(`${server.url}${path}`, { headers: bearer(t) })));
    expect(together.map((a) => a.json().events)).toEqual([alone.ops.events, alone.self.events, alone.ops.events, alone.self.events]);
  });
});

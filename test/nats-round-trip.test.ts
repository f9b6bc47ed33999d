/**
 * The bridge publishes the sample store into a real JetStream; every kind of query then answers the
 * same from the stream as from the files (all fields but meta.source and the stream's own meta).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "../src/contract/page.js";
import type { SessionEventsInput, SessionsEventsInput } from "../src/contract/query-input.js";
import { querySessionEvents, querySessionsEvents } from "../src/engine/run-query.js";
import { closeAllNats } from "../src/sources/jetstream/connect.js";
import { cleanEnv, ensureBuilt, runCli, SAMPLE_STORE } from "./helpers/built-server.js";
import { contextFor } from "./helpers/context.js";
import { NatsServer } from "./helpers/nats-server.js";
import { removeCacheDir, tempCacheDir } from "./helpers/temp-cache.js";

let nats: NatsServer;
let cacheDir: string;

beforeAll(async () => {
  ensureBuilt();
  nats = await NatsServer.start();
  cacheDir = tempCacheDir("nats-round-trip");
  const published = await runCli(["publish", "--store", SAMPLE_STORE, "--nats", nats.url, "--gateway", "gw-a", "--generations", "all", "--once"], cleanEnv({ SESSION_EVENTS_CACHE_DIR: cacheDir }));
  expect(published.stderr).toContain("published");
  expect(published.code).toBe(0);
}, 180_000);

afterAll(async () => {
  await closeAllNats();
  await nats?.stop();
  removeCacheDir(cacheDir);
});

/** The page without what tells the stores apart: meta (source, gateway, stream position), cursors, unreadable lines. */
function comparable(page: Page): unknown {
  // (skipped lines are the files' unreadable lines: the bridge publishes events, not lines)
  const { nextCursor: _cursor, skippedLines: _skipped, ...rest } = page;
  return { ...rest, events: page.events.map(({ meta: _meta, ...event }) => event) };
}

async function walk(run: (cursor?: string) => Promise<Page>): Promise<unknown[]> {
  const pages: unknown[] = [];
  let cursor: string | undefined;
  do {
    const page = await run(cursor);
    pages.push(comparable(page));
    cursor = page.hasMore ? page.nextCursor : undefined;
  } while (cursor && pages.length < 50);
  return pages;
}

const MANY: SessionsEventsInput[] = [
  {},
  { order: "desc" },
  { limit: 3 },
  { limit: 4, order: "desc" },
  { types: ["tool_call", "tool_error"] },
  { types: ["conversation.message_in"] },
  { since: "2026-11-18T09:00:00Z", until: "2026-11-19T09:00:00Z", limit: 5 },
  { sessionKey: "agent:main:*", generations: "all" },
  { agentId: "ops" },
  { spawnedBy: "agent:main:main", descendants: true },
  { groupBy: ["type"] },
  { groupBy: ["tool", "session"] },
  { groupBy: ["day"], generations: "all" },
  { fields: ["text"], maxFieldChars: 20 },
];

describe("a stream written by the bridge", () => {
  for (const clearance of ["public", "internal"] as const) {
    it(`answers every sessions_events query kind as the files do (clearance ${clearance})`, async () => {
      const files = contextFor(SAMPLE_STORE, { clearance });
      const stream = contextFor(nats.url, { clearance });
      for (const input of MANY) {
        const expected = await walk((cursor) => querySessionsEvents(files, { ...input, cursor }));
        const actual = await walk((cursor) => querySessionsEvents(stream, { ...input, cursor }));
        expect(actual, JSON.stringify(input)).toEqual(expected);
      }
    }, 120_000);
  }

  it("answers session_events for one session, by key, by id, and a single event by id", async () => {
    const files = contextFor(SAMPLE_STORE, { caller: "agent:main:main", scope: "tree" });
    const stream = contextFor(nats.url, { caller: "agent:main:main", scope: "tree" });
    const inputs: SessionEventsInput[] = [{}, { sessionKey: "agent:main:subagent:5f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f", limit: 2 }, { sessionKey: "agent:main:subagent:9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d", generations: "all" }, { order: "desc", limit: 3 }];
    for (const input of inputs) {
      expect(await walk((cursor) => querySessionEvents(stream, { ...input, cursor })), JSON.stringify(input)).toEqual(
        await walk((cursor) => querySessionEvents(files, { ...input, cursor })),
      );
    }
    const some = (await querySessionEvents(files, { limit: 5 })).events[3]!;
    expect(comparable(await querySessionEvents(stream, { eventId: some.id }))).toEqual(comparable(await querySessionEvents(files, { eventId: some.id })));
  });

  it("lists the sessions with their keys, agents, parents and statuses", async () => {
    const pick = (s: { key: string; agent: string; sessionId: string; parentKey?: string; status?: string; label?: string; updatedAt?: number; generation: string }) =>
      [s.key, s.agent, s.sessionId, s.parentKey, s.status, s.label, s.updatedAt, s.generation].join("|");
    const files = await contextFor(SAMPLE_STORE).listSessions();
    const stream = await contextFor(nats.url).listSessions();
    expect(stream.map(pick).sort()).toEqual(files.filter((s) => s.source !== "jetstream").map(pick).sort());
  });
});

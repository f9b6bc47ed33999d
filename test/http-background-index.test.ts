/**
 * Background indexing in `serve` (issue 25 #4): once the indexer has caught up, a request reads no
 * transcript from its start. The server's own counter of transcript bytes read by requests shows it:
 * with the indexer, a tail query of a large transcript reads only from the index's last mark (one per
 * 1,000 events) to the end, before and after an append; without it (--no-index), the same first query
 * reads the whole transcript.
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanEnv, ensureBuilt, sampleStoreCopy } from "./helpers/built-server.js";
import { get, serve, type Served } from "./helpers/http-server.js";
import { assistantLine, chainParents, header, userLine } from "./helpers/pi-lines.js";
import { TempStateDir } from "./helpers/temp-store.js";

const KEY = "agent:main:main";
const T0 = Date.UTC(2026, 10, 1);
const TURNS = 2_000;
const text = (t: string) => ({ type: "text", text: t });

function turns(from: number, count: number) {
  return Array.from({ length: count }, (_, i) => [
    userLine(T0 + (from + i) * 1000, `question ${from + i}: ${"q".repeat(300)}`),
    assistantLine(T0 + (from + i) * 1000 + 500, [text(`answer ${from + i}: ${"a".repeat(300)}`)]),
  ]).flat();
}

let store: TempStateDir;
let transcript: string;
let env: Record<string, string>;

beforeAll(() => {
  ensureBuilt();
  store = new TempStateDir("session-events-bgindex-");
  store.registry("main", { [KEY]: { sessionId: "m", updatedAt: T0 } });
  transcript = store.transcript("main", "m.jsonl", chainParents([header("m", T0), ...turns(0, TURNS)]));
  env = cleanEnv({ SESSION_EVENTS_CACHE_DIR: join(store.root, "cache-unused") });
}, 180_000);

afterAll(() => store?.remove());

/** A counter or gauge of /metrics, by its full series text (0 when absent). */
async function metric(server: Served, series: string): Promise<number> {
  const text = (await get(`${server.url}/metrics`)).body;
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

const requestBytes = (server: Served) => metric(server, 'session_events_transcript_bytes_read_total{by="requests"}');

async function passes(server: Served): Promise<number> {
  return ((await get(`${server.url}/healthz`)).json().index?.passes as number | undefined) ?? 0;
}

async function until(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Bytes the server's requests read to answer one tail query (the last 5 events). */
async function tailQueryReads(server: Served): Promise<number> {
  const before = await requestBytes(server);
  const answer = await get(`${server.url}/api/sessions/${encodeURIComponent(KEY)}/events?order=desc&limit=5`);
  expect(answer.status, answer.body).toBe(200);
  expect(answer.json().events).toHaveLength(5);
  return (await requestBytes(server)) - before;
}

describe("serve's background indexing", () => {
  it("without it, the first tail query reads the whole transcript (the cost the indexer takes away)", async () => {
    const server = await serve(["--store", store.root, "--no-index"], { ...env, SESSION_EVENTS_CACHE_DIR: join(store.root, "cache-no-index") });
    try {
      expect(await tailQueryReads(server)).toBeGreaterThanOrEqual(statSync(transcript).size);
    } finally {
      await server.stop();
    }
  }, 60_000);

  it("does not go round in a loop on a SQLite store, whose reading touches the files it watches", async () => {
    const copy = sampleStoreCopy();
    const server = await serve(["--store", copy.store], { ...env, SESSION_EVENTS_CACHE_DIR: copy.cacheDir });
    try {
      await until("the first indexing pass", async () => (await passes(server)) >= 1);
      const first = await passes(server);
      await new Promise((r) => setTimeout(r, 6_000));
      // a pass at most every 2 s (seen without the floor: 25 a second)
      expect((await passes(server)) - first).toBeLessThanOrEqual(4);
    } finally {
      await server.stop();
      copy.cleanup();
    }
  }, 60_000);

  it("once caught up, a request reads only the tail, before and after an append", async () => {
    const server = await serve(["--store", store.root], { ...env, SESSION_EVENTS_CACHE_DIR: join(store.root, "cache-indexed") });
    try {
      await until("the first indexing pass", async () => (await passes(server)) >= 1);
      const size = statSync(transcript).size;
      expect(await metric(server, 'session_events_transcript_bytes_read_total{by="indexer"}')).toBeGreaterThanOrEqual(size);
      const first = await tailQueryReads(server);
      console.log(`tail query after catch-up read ${first} of ${size} bytes`);
      expect(first).toBeLessThan(size / 4);

      const donePasses = await passes(server);
      store.append("main", "m.jsonl", turns(TURNS, 50).map((line, i, all) => ({ ...line, parentId: i === 0 ? null : all[i - 1]!.id })));
      const appended = statSync(transcript).size - size;
      await until("a pass after the append", async () => (await passes(server)) > donePasses);
      const afterAppend = await tailQueryReads(server);
      console.log(`after an append of ${appended} bytes, the tail query read ${afterAppend}`);
      expect(afterAppend).toBeLessThan(size / 4);
    } finally {
      await server.stop();
    }
  }, 90_000);
});

/**
 * The bridge's worker threads (src/bridge/encoder-pool.ts): a store published with workers and the same
 * store published in the bridge's own thread (`--workers 0`) give the same stream, message for message,
 * each transcript in its order, redacted and classified alike; an event too large for one message is
 * cut to fit in a worker as in the thread.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanEnv, ensureBuilt, runCli, type RunResult } from "./helpers/built-server.js";
import { NatsServer } from "./helpers/nats-server.js";
import { readWholeStream, type StreamMessage } from "./helpers/nats-stream.js";
import { removeCacheDir, tempCacheDir } from "./helpers/temp-cache.js";
import { TempStateDir } from "./helpers/temp-store.js";

const TRANSCRIPTS = 5;
const LINES = 1500;
const BIG = "55555555-0000-4000-8000-0000000000ff";
const SECRET = "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB";
let store: TempStateDir;
let config: string;
let cacheDir: string;
const servers: NatsServer[] = [];

/** Transcripts of many chunks each (they interleave in the stream), with secrets, tool calls and confidential tools. */
function writeStore(): void {
  store = new TempStateDir("nats-workers-");
  const ids = Array.from({ length: TRANSCRIPTS }, (_, i) => `55555555-0000-4000-8000-00000000000${i}`);
  store.registry("main", Object.fromEntries([...ids, BIG].map((id, i) => [`agent:main:w${i}`, { sessionId: id, updatedAt: Date.parse("2026-12-04T00:00:00Z"), sessionFile: `${id}.jsonl` }])));
  const t0 = Date.parse("2026-12-04T00:00:00Z");
  for (const [t, id] of ids.entries()) {
    store.transcript(
      "main",
      `${id}.jsonl`,
      Array.from({ length: LINES }, (_, n) => {
        const timestamp = new Date(t0 + n * 1000 + t).toISOString();
        if (n % 5 === 4) {
          const tool = n % 10 === 4 ? "vault_read" : "exec";
          return { type: "message", id: `${t}-${n}`, parentId: null, timestamp, message: { role: "assistant", content: [{ type: "toolCall", id: `c${t}-${n}`, name: tool, arguments: { command: `echo token=${SECRET} ${n}` } }] } };
        }
        const text = n % 7 === 0 ? `here is my key ${SECRET} (${n}) — ünïcödé ✓` : `line ${n} of transcript ${t}`;
        return { type: "message", id: `${t}-${n}`, parentId: null, timestamp, message: { role: n % 2 ? "assistant" : "user", content: text, thinking: `thought ${n}` } };
      }),
    );
  }
  // above the server's max_payload (1 MiB): cut to fit
  store.transcript("main", `${BIG}.jsonl`, [
    { type: "message", id: "big-0", parentId: null, timestamp: "2026-12-04T01:00:00.000Z", message: { role: "user", content: "x".repeat(1_500_000) } },
    { type: "message", id: "big-1", parentId: null, timestamp: "2026-12-04T01:00:01.000Z", message: { role: "assistant", content: "after the big one" } },
  ]);
  config = join(store.root, "config.json");
  writeFileSync(config, JSON.stringify({ confidential: [{ tool: "vault_*" }], redactPatterns: ["transcript [0-9]"] }));
}

async function publish(server: { url: string }, workers: string, clearance: string): Promise<RunResult> {
  return runCli(
    ["publish", "--store", store.root, "--nats", server.url, "--gateway", "gw-w", "--once", "--workers", workers, "--clearance", clearance, "--config", config, "--generations", "all"],
    cleanEnv({ SESSION_EVENTS_CACHE_DIR: cacheDir }),
  );
}

/** Per transcript, its messages in stream order: subject, msgID and data. */
function byTranscript(messages: StreamMessage[]): Map<string, Array<[string, string | undefined, unknown]>> {
  const out = new Map<string, Array<[string, string | undefined, unknown]>>();
  for (const m of messages) {
    const sessionId = m.data.sessionId as string;
    if (!out.has(sessionId)) out.set(sessionId, []);
    out.get(sessionId)!.push([m.subject, m.msgId, m.data]);
  }
  return out;
}

beforeAll(async () => {
  ensureBuilt();
  writeStore();
  cacheDir = tempCacheDir("nats-workers");
}, 180_000);

afterAll(async () => {
  for (const server of servers) await server.stop();
  store?.remove();
  removeCacheDir(cacheDir);
});

describe("publishing with worker threads", () => {
  for (const clearance of ["public", "internal"] as const) {
    it(`gives the stream the bridge's own thread gives (clearance ${clearance})`, async () => {
      const [threaded, inThread] = [await NatsServer.start(), await NatsServer.start()];
      servers.push(threaded, inThread);
      const a = await publish(threaded, "2", clearance);
      const b = await publish(inThread, "0", clearance);
      expect(a.code, a.stderr).toBe(0);
      expect(b.code, b.stderr).toBe(0);
      const [withWorkers, without] = [await readWholeStream(threaded.url), await readWholeStream(inThread.url)];
      expect(withWorkers.length).toBe(without.length);
      expect(byTranscript(withWorkers)).toEqual(byTranscript(without));
      // each transcript in its order, and something to compare: redacted, confidential events left out, one cut to fit
      for (const messages of byTranscript(withWorkers).values()) {
        const seqs = messages.map(([, , data]) => (data as { seq: number }).seq);
        expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      }
      const text = JSON.stringify(withWorkers.map((m) => m.data));
      expect(text).not.toContain(SECRET);
      expect(text).toContain("[REDACTED:");
      expect(text).not.toContain("vault_read");
      const cut = withWorkers.filter((m) => (m.data.meta as { cutToFit?: boolean }).cutToFit === true);
      expect(cut.map((m) => m.data.sessionId)).toEqual([BIG]);
      expect(a.stderr).toContain(`event ${cut[0]!.data.id as string} is larger than the server's max_payload`);
      expect(withWorkers.length).toBeGreaterThan(TRANSCRIPTS * LINES * 0.5);
    }, 120_000);
  }

  it("refuses a worker count that is not a whole number", async () => {
    const result = await publish({ url: "nats://127.0.0.1:1" }, "two", "internal");
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("--workers must be a positive whole number");
  });
});

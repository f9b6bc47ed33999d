/**
 * SSE delivery latency (issue 25): a server on a small file store of its own (the writes must not touch
 * the store section's store, whose answers are checked against its generator), many clients streaming
 * one session, and a writer appending messages to its transcript as the gateway does. Latency is the
 * client's receipt time minus the write's (one clock: the same machine).
 */
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { get, type ClientRequest } from "node:http";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { startServe, withRssSampling } from "./serve-process.js";

export type SseResult = {
  clients: number;
  events: number;
  intervalMs: number;
  delivered: number;
  complete: boolean;
  problem?: string;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  maxRssMb?: number;
};

const SESSION_KEY = "agent:main:main";
const INTERVAL_MS = 50;
const ARRIVAL_TIMEOUT_MS = 20_000;

/** One SSE client: keeps each message's text and the time it arrived. */
class StreamClient {
  readonly received: { text: string; writtenAt: number; at: number }[] = [];
  private request?: ClientRequest;
  private buffer = "";

  constructor(private readonly url: string) {}

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the stream did not open in 30 s")), 30_000);
      timer.unref();
      this.request = get(this.url, { agent: false }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`stream answered ${res.statusCode}`));
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          const at = Date.now();
          this.buffer += chunk;
          if (this.buffer.includes(": stream open")) {
            clearTimeout(timer);
            resolve();
          }
          let end: number;
          while ((end = this.buffer.indexOf("\n\n")) >= 0) {
            const block = this.buffer.slice(0, end);
            this.buffer = this.buffer.slice(end + 2);
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (!data || !/^event: message$/m.test(block)) continue;
            const event = JSON.parse(data) as { timestamp: number; payload: { text?: string } };
            this.received.push({ text: event.payload.text ?? "", writtenAt: event.timestamp, at });
          }
        });
      });
      this.request.on("error", reject);
    });
  }

  close(): void {
    this.request?.destroy();
  }
}

function writeStore(root: string, now: number): string {
  const dir = join(root, "agents", "main", "sessions");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "sessions.json"), JSON.stringify({ [SESSION_KEY]: { sessionId: "sse-bench", updatedAt: now, sessionFile: "sse-bench.jsonl" } }));
  const transcript = join(dir, "sse-bench.jsonl");
  writeFileSync(transcript, `${JSON.stringify({ type: "session", version: 3, id: "sse-bench", timestamp: new Date(now).toISOString(), cwd: "/work" })}\n`);
  return transcript;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;

export async function benchSse(o: { box: string; env: NodeJS.ProcessEnv; config: string; clients: number; events: number }): Promise<SseResult> {
  const store = join(o.box, "sse-store");
  const transcript = writeStore(store, Date.now());
  const server = await startServe(["--store", store, "--config", o.config], o.env);
  const clients = Array.from({ length: o.clients }, () => new StreamClient(`${server.url}/api/events/stream?sessionKey=${encodeURIComponent(SESSION_KEY)}&types=message`));
  const expected: string[] = [];
  try {
    const { maxRssMb } = await withRssSampling(server, async () => {
      await Promise.all(clients.map((c) => c.open()));
      let last = Date.now();
      let parent: string | null = null;
      for (let i = 0; i < o.events; i++) {
        const ts = (last = Math.max(Date.now(), last + 1));
        const id = `sse${i}`;
        const text = `sse bench ${i}`;
        appendFileSync(transcript, `${JSON.stringify({ type: "message", id, parentId: parent, timestamp: new Date(ts).toISOString(), message: { role: "user", content: text, timestamp: ts } })}\n`);
        parent = id;
        expected.push(text);
        await sleep(INTERVAL_MS);
      }
      const deadline = Date.now() + ARRIVAL_TIMEOUT_MS;
      while (Date.now() < deadline && clients.some((c) => c.received.length < o.events)) await sleep(100);
      await sleep(300); // (a duplicate would come now)
    });
    const problems = clients.flatMap((c, n) => {
      const texts = c.received.map((r) => r.text);
      return texts.length === expected.length && texts.every((t, i) => t === expected[i]) ? [] : [`client ${n}: ${texts.length} of ${expected.length} events${texts.length ? `, first ${JSON.stringify(texts[0])}` : ""}`];
    });
    const latencies = clients.flatMap((c) => c.received.map((r) => r.at - r.writtenAt)).sort((a, b) => a - b);
    return {
      clients: o.clients,
      events: o.events,
      intervalMs: INTERVAL_MS,
      delivered: latencies.length,
      complete: problems.length === 0,
      ...(problems.length ? { problem: `${problems.length} clients: ${problems.slice(0, 3).join("; ")}` } : {}),
      p50Ms: percentile(latencies, 0.5),
      p90Ms: percentile(latencies, 0.9),
      p99Ms: percentile(latencies, 0.99),
      maxMs: latencies.at(-1) ?? NaN,
      maxRssMb,
    };
  } finally {
    for (const c of clients) c.close();
    await server.stop();
  }
}

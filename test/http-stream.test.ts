/**
 * The live stream end to end: a writer appends to a transcript file and inserts rows into an agent
 * database while many clients stream from the BUILT server; each gets every event exactly once, in
 * order, across a forced reconnect with Last-Event-ID; the server ends the streams when it stops.
 */
import { appendFileSync, readdirSync } from "node:fs";
import { get as httpGet, type IncomingMessage } from "node:http";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useSampleStoreCopy } from "./helpers/built-server.js";
import { get, serve, type Served } from "./helpers/http-server.js";

const CLIENTS = 50;
const WRITES = 40;
const QUERY = "sessionKey=agent:main:main,agent:ops:main&types=message";

type Message = { event: string; id?: string; data: string; at: number };

/** A stream client that can be cut off and come back with Last-Event-ID, keeping what it received. */
class StreamClient {
  readonly messages: Message[] = [];
  comments = 0;
  ended = false;
  private controller = new AbortController();
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly url: string) {}

  get events(): Message[] {
    return this.messages.filter((m) => m.event !== "notice");
  }

  async open(lastId?: string): Promise<void> {
    this.controller = new AbortController();
    this.ended = false;
    const response = await fetch(this.url, { headers: lastId ? { "last-event-id": lastId } : {}, signal: this.controller.signal });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    let opened!: () => void;
    const isOpen = new Promise<void>((resolve) => (opened = resolve));
    this.running = (async () => {
      let buffer = "";
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += Buffer.from(value).toString("utf8");
          let end: number;
          while ((end = buffer.indexOf("\n\n")) !== -1) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (block.startsWith(":")) {
              this.comments++;
              opened();
              continue;
            }
            const field = (name: string) => block.split("\n").find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
            this.messages.push({ event: field("event") ?? "message", id: field("id"), data: field("data") ?? "", at: Date.now() });
          }
        }
      } catch {
        // cut off by the test
      }
      this.ended = true;
      opened();
    })();
    await isOpen;
  }

  async reconnect(): Promise<void> {
    this.controller.abort();
    await this.running;
    await this.open(this.events.at(-1)?.id);
  }

  async close(): Promise<void> {
    this.controller.abort();
    await this.running;
  }

  async finished(): Promise<void> {
    await this.running;
  }
}

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sample = useSampleStoreCopy();
let server: Served;

beforeAll(async () => {
  server = await serve(["--store", sample.box.store], sample.env);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe("GET /api/events/stream", () => {
  it("limit, order, groupBy and waitMs are a 400", async () => {
    for (const param of ["limit=5", "order=desc", "groupBy=type", "waitMs=100"]) {
      const answer = await get(`${server.url}/api/events/stream?${param}`);
      expect(answer.status).toBe(400);
      expect(answer.json().error.message).toMatch(/does not apply to a stream/);
    }
  });

  it("a reader that does not keep up is dropped with a notice saying so, and resumes by its last id", async () => {
    // 24 MB of messages in one transcript: more than the socket buffers and the server's 1 MB take
    const transcript = join(sample.box.store, "agents", "main", "sessions", "d4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f70.jsonl");
    const t0 = Date.parse("2026-11-18T06:30:00Z");
    const lines: string[] = [];
    for (let i = 0; i < 12_000; i++) {
      const ts = t0 + i;
      lines.push(JSON.stringify({ type: "message", id: `bulk${i}`, parentId: null, timestamp: new Date(ts).toISOString(), message: { role: "user", content: `bulk ${i} ${"x".repeat(1900)}`, timestamp: ts } }));
    }
    appendFileSync(transcript, `${lines.join("\n")}\n`);
    // node:http's response, paused: it stops reading the socket, so the server's writes back up
    const response = await new Promise<IncomingMessage>((resolve) =>
      httpGet(`${server.url}/api/events/stream?sessionKey=agent:main:cron:daily-digest&types=message&since=${t0}`, { agent: false }, resolve),
    );
    response.pause();
    const openStreams = async () => Number(/^session_events_open_streams (\d+)$/m.exec((await get(`${server.url}/metrics`)).body)?.[1]);
    const start = Date.now();
    while ((await openStreams()) !== 0) {
      expect(Date.now() - start).toBeLessThan(40_000);
      await new Promise((r) => setTimeout(r, 250));
    }
    let text = "";
    response.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
    await new Promise((resolve) => {
      response.on("end", resolve);
      response.on("close", resolve);
      response.resume();
    });
    const blocks = text.split("\n\n").filter((b) => b.includes("data: "));
    expect(blocks.length).toBeGreaterThan(100);
    expect(blocks.length).toBeLessThan(12_000);
    expect(blocks.at(-1)).toMatch(/^event: notice\ndata: .*dropped: too slow; resume with Last-Event-ID/);
    const lastId = blocks.at(-2)!.split("\n").find((l) => l.startsWith("id: "))!.slice(4);
    const lastText = JSON.parse(blocks.at(-2)!.split("\n").find((l) => l.startsWith("data: "))!.slice(6)).payload.text as string;
    const resumed = new StreamClient(`${server.url}/api/events/stream?sessionKey=agent:main:cron:daily-digest&types=message&since=${t0}`);
    await resumed.open(lastId);
    await until(() => resumed.events.length > 0, 10_000, "the resumed stream");
    await resumed.close();
    const next = Number(/^bulk (\d+)/.exec(JSON.parse(resumed.events[0]!.data).payload.text)![1]);
    expect(next).toBe(Number(/^bulk (\d+)/.exec(lastText)![1]) + 1);
  }, 90_000);

  it(`${CLIENTS} clients each get every new event exactly once, in order, across a reconnect with Last-Event-ID`, async () => {
    const transcript = join(sample.box.store, "agents", "main", "sessions", "3f1e2c4a-8b7d-4c1e-9a2f-5d6e7f8a9b01.jsonl");
    const dbPath = join(sample.box.store, "agents", "ops", "agent", "openclaw-agent.sqlite");
    expect(readdirSync(join(sample.box.store, "agents", "ops", "agent"))).toContain("openclaw-agent.sqlite");
    const clients = Array.from({ length: CLIENTS }, () => new StreamClient(`${server.url}/api/events/stream?${QUERY}`));
    await Promise.all(clients.map((c) => c.open()));
    // one more that replays from a time before the writes, then follows
    const replaying = new StreamClient(`${server.url}/api/events/stream?${QUERY}&since=${Date.now() - 1000}`);
    await replaying.open();

    const db = new Database(dbPath);
    const insert = db.prepare("INSERT INTO transcript_events (session_id, seq, event_json, created_at) VALUES (?, ?, ?, ?)");
    let seq = (db.prepare("SELECT MAX(seq) AS s FROM transcript_events WHERE session_id = ?").get("0b5e1a11-0000-4000-8000-00000000a002") as { s: number }).s;
    const written: { text: string; ts: number }[] = [];
    let last = Date.now();
    for (let i = 0; i < WRITES; i++) {
      const ts = (last = Math.max(Date.now(), last + 1));
      const text = `live message ${i}`;
      const line = { type: "message", id: `live${i}`, parentId: null, timestamp: new Date(ts).toISOString(), message: { role: "user", content: text, timestamp: ts } };
      if (i % 2 === 0) appendFileSync(transcript, `${JSON.stringify(line)}\n`);
      else insert.run("0b5e1a11-0000-4000-8000-00000000a002", ++seq, JSON.stringify(line), ts);
      written.push({ text, ts });
      if (i === WRITES / 2) {
        await until(() => clients.every((c) => c.events.length >= 5), 10_000, "the first events");
        // half the clients drop and come back with the id of the last event they got
        await Promise.all(clients.filter((_, n) => n % 2 === 0).map((c) => c.reconnect()));
      }
      await new Promise((r) => setTimeout(r, 40));
    }
    db.close();

    const expected = written.map((w) => w.text);
    const texts = (c: StreamClient) => c.events.map((m) => (JSON.parse(m.data) as { payload: { text?: string } }).payload.text);
    await until(() => [...clients, replaying].every((c) => c.events.length >= WRITES), 15_000, "every event at every client");
    await new Promise((r) => setTimeout(r, 500));
    for (const client of [...clients, replaying]) {
      expect(texts(client)).toEqual(expected);
      expect(client.events.every((m) => m.event === "message" && m.id?.startsWith("c1."))).toBe(true);
    }
    // (from the clients that stayed: those that reconnected got some events late on purpose)
    const latencies = clients.filter((_, n) => n % 2 === 1).flatMap((c) => c.events.map((m) => m.at - (JSON.parse(m.data) as { timestamp: number }).timestamp)).sort((a, b) => a - b);
    const p99 = latencies[Math.floor(latencies.length * 0.99)]!;
    console.log(`SSE delivery, ${CLIENTS} clients: p50 ${latencies[Math.floor(latencies.length / 2)]} ms, p99 ${p99} ms`);
    // (the target is 1 s; this shared 2-core machine measured about 0.4 s, so 2 s leaves room for a busy neighbour)
    expect(p99).toBeLessThan(2_000);

    // the server ends open streams with a notice when it stops, and exits 0 within 5 s
    const stopped = await server.stop();
    expect(stopped.code).toBe(0);
    expect(stopped.ms).toBeLessThan(5_000);
    await Promise.all([...clients, replaying].map((c) => c.finished()));
    expect(clients.every((c) => c.ended)).toBe(true);
    expect(clients[1]!.messages.at(-1)).toMatchObject({ event: "notice" });
    expect(clients[1]!.messages.at(-1)!.data).toMatch(/stopping; resume with Last-Event-ID/);
  }, 90_000);
});

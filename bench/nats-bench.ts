/**
 * NATS JetStream rows (BENCH_SECTIONS=nats runs them alone; a real nats-server, as the tests use):
 * - publish throughput: `session-events publish --once` of a generated store into a fresh local server,
 *   against a naive publisher (each line awaited on its own, no msgID: how the community plugin
 *   publishes);
 * - a tail query (the last 10k events of a session, newest first, pages of 500) on a 1M-event stream
 *   and on a 10k-event one (target: within 2x), against a naive consumer that reads the stream from
 *   sequence 1 (target: ours 50x faster).
 */
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { createAppContext } from "../src/app/context.js";
import { querySessionEvents } from "../src/engine/run-query.js";
import { closeAllNats } from "../src/sources/jetstream/connect.js";
import { generateStore } from "./generate-store.js";
import { NatsServer } from "./nats-server.js";
import { markdownTable, median } from "./stats.js";

export type NatsBenchConfig = {
  dataDir: string;
  /** The generated store published for the throughput rows, MiB (default 330: about 200k events). */
  storeMb: number;
  /** Events of the long session the tail query runs on (default 1,000,000). */
  longEvents: number;
  runs: number;
  log(line: string): void;
};

const MAIN_JS = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const MiB = 1024 * 1024;
const TAIL = 10_000;
const SESSION_KEY = "agent:main:main";

export async function benchNats(cfg: NatsBenchConfig): Promise<string> {
  const rows: string[][] = [];
  cfg.log("nats: generating the publish store ...");
  const store = generateStore(join(cfg.dataDir, `nats-publish-${cfg.storeMb}mb`), { totalBytes: cfg.storeMb * MiB, sessions: 300, bigBytes: (cfg.storeMb * MiB) / 4, mediumBytes: 5 * MiB, seed: 1 });

  const ours = await medianOf(cfg.runs, async () => {
    const server = await NatsServer.start();
    try {
      const started = performance.now();
      const said = await runPublish(["--store", store.dir, "--nats", server.url, "--gateway", "bench", "--once"], join(server.dir, "cache"));
      const published = Number(/published (\d+) event/.exec(said)?.[1] ?? NaN);
      return { ms: performance.now() - started, count: published };
    } finally {
      await server.stop();
    }
  });
  const naive = await medianOf(cfg.runs, async () => {
    const server = await NatsServer.start();
    try {
      return await naivePublish(store.dir, server.port);
    } finally {
      await server.stop();
    }
  });
  rows.push([`publish --once, ${store.events.toLocaleString("en")} events (${(store.totalBytes / MiB).toFixed(0)} MiB store)`, rate(ours), rate(naive), ratio(naive.ms / naive.count, ours.ms / ours.count), "20,000 events/s"]);

  cfg.log("nats: the tail query ...");
  const long = await publishedSession(cfg, cfg.longEvents);
  const short = await publishedSession(cfg, TAIL);
  try {
    const tailLong = await medianOf(cfg.runs, () => tailQuery(long.server, join(long.server.dir, "query-cache")));
    const tailShort = await medianOf(cfg.runs, () => tailQuery(short.server, join(short.server.dir, "query-cache")));
    const naiveTail = await medianOf(Math.min(cfg.runs, 3), () => naiveTailRead(long.server.port));
    rows.push([`tail: the last ${TAIL.toLocaleString("en")} events, ${cfg.longEvents.toLocaleString("en")}-event stream`, ms(tailLong), ms(naiveTail), ratio(naiveTail.ms, tailLong.ms), "50x the naive"]);
    rows.push([`tail: the same on a ${TAIL.toLocaleString("en")}-event stream`, ms(tailShort), "", `long/short ${(tailLong.ms / tailShort.ms).toFixed(2)}`, "long within 2x"]);
  } finally {
    await long.server.stop();
    await short.server.stop();
  }
  return [
    "## NATS JetStream",
    "",
    `bench/nats-bench.ts (BENCH_SECTIONS=nats): a fresh local nats-server per run, medians of ${cfg.runs}. Naive publish: each transcript line awaited on its own, no msgID (the community plugin's way); naive tail: an ordered consumer from sequence 1 keeping the session's last ${TAIL.toLocaleString("en")}.`,
    "",
    markdownTable(["Row", "Ours", "Naive", "Ours vs naive", "Target"], rows),
  ].join("\n");
}

type Timed = { ms: number; count: number };

async function medianOf(runs: number, once: () => Promise<Timed>): Promise<Timed> {
  const all: Timed[] = [];
  for (let i = 0; i < Math.max(1, runs); i++) all.push(await once());
  return { ms: median(all.map((t) => t.ms)), count: median(all.map((t) => t.count)) };
}

const rate = (t: Timed) => `${Math.round((t.count / t.ms) * 1000).toLocaleString("en")} events/s`;
const ms = (t: Timed) => `${t.ms.toFixed(0)} ms (${t.count.toLocaleString("en")} events)`;
const ratio = (slow: number, fast: number) => `${(slow / fast).toFixed(1)}x`;

function runPublish(args: string[], cacheDir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN_JS, "publish", ...args], { env: { ...process.env, SESSION_EVENTS_CACHE_DIR: cacheDir }, stdio: ["ignore", "ignore", "pipe"] });
    let said = "";
    child.stderr.on("data", (chunk) => (said += String(chunk)));
    child.on("close", (code) => (code === 0 ? resolve(said) : reject(new Error(`publish exited ${code}: ${said.slice(-500)}`))));
  });
}

/** Every line of every transcript, one awaited publish each, no msgID. */
async function naivePublish(storeDir: string, port: number): Promise<Timed> {
  const nc = await connect({ servers: `127.0.0.1:${port}` });
  try {
    await (await jetstreamManager(nc)).streams.add({ name: "naive", subjects: ["naive.>"] });
    const js = jetstream(nc);
    const maxPayload = (nc.info?.max_payload ?? 1024 * 1024) - 1024;
    const started = performance.now();
    let count = 0;
    for (const agent of readdirSync(join(storeDir, "agents"))) {
      const dir = join(storeDir, "agents", agent, "sessions");
      for (const file of readdirSync(dir).filter((f) => f.endsWith(".jsonl"))) {
        for (const line of readFileSync(join(dir, file), "utf8").split("\n")) {
          // (a line above the server's max_payload is refused; the plugin loses it, so skip it here)
          if (line === "" || Buffer.byteLength(line) > maxPayload) continue;
          const type = (JSON.parse(line) as { type?: string }).type ?? "unknown";
          await js.publish(`naive.${agent}.${type.replace(/[.*>\s]/g, "_")}`, line);
          count++;
        }
      }
    }
    return { ms: performance.now() - started, count };
  } finally {
    await nc.close();
  }
}

/** A store of one session of `events` short messages, published by the bridge into a server of its own. */
async function publishedSession(cfg: NatsBenchConfig, events: number): Promise<{ server: NatsServer }> {
  const dir = join(cfg.dataDir, `nats-session-${events}`);
  const sessionId = "77777777-0000-4000-8000-000000000001";
  const sessions = join(dir, "agents", "main", "sessions");
  if (!existsSync(join(sessions, "sessions.json"))) {
    mkdirSync(sessions, { recursive: true });
    const out = createWriteStream(join(sessions, `${sessionId}.jsonl`));
    const t0 = Date.parse("2026-01-01T00:00:00Z");
    for (let i = 0; i < events; i++) {
      const line = `${JSON.stringify({ type: "message", id: `m${i}`, parentId: i > 0 ? `m${i - 1}` : null, timestamp: new Date(t0 + i * 1000).toISOString(), message: { role: i % 2 ? "assistant" : "user", content: `message ${i}` } })}\n`;
      if (!out.write(line)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
    }
    await new Promise<void>((resolve) => out.end(() => resolve()));
    writeFileSync(join(sessions, "sessions.json"), JSON.stringify({ [SESSION_KEY]: { sessionId, updatedAt: t0 + events * 1000, sessionFile: `${sessionId}.jsonl` } }));
  }
  const server = await NatsServer.start();
  cfg.log(`nats: publishing a ${events.toLocaleString("en")}-event session ...`);
  await runPublish(["--store", dir, "--nats", server.url, "--gateway", "bench", "--once"], join(server.dir, "cache"));
  return { server };
}

/** Ours: a restarted query server (a new context) walks the session newest first until it has the tail. */
async function tailQuery(server: NatsServer, cacheDir: string): Promise<Timed> {
  const env: NodeJS.ProcessEnv = { ...process.env, SESSION_EVENTS_CACHE_DIR: cacheDir };
  for (const name of ["SESSION_EVENTS_CALLER", "SESSION_EVENTS_SCOPE", "SESSION_EVENTS_STORE", "SESSION_EVENTS_CURSOR_SECRET"]) delete env[name];
  const ctx = createAppContext({ store: [server.url], clearance: "confidential" }, env);
  const started = performance.now();
  let count = 0;
  let cursor: string | undefined;
  try {
    do {
      const page = await querySessionEvents(ctx, { sessionKey: SESSION_KEY, order: "desc", limit: 500, cursor });
      count += page.events.length;
      cursor = page.hasMore ? page.nextCursor : undefined;
    } while (cursor && count < TAIL);
    return { ms: performance.now() - started, count };
  } finally {
    await closeAllNats();
  }
}

/** Naive: an ordered consumer from sequence 1, keeping the session's last TAIL events. */
async function naiveTailRead(port: number): Promise<Timed> {
  const nc = await connect({ servers: `127.0.0.1:${port}` });
  try {
    const started = performance.now();
    // (a ring: the last TAIL kept without moving the others)
    const kept: unknown[] = new Array(TAIL);
    let seen = 0;
    // (the client's ordered consumer, not our reader: the baseline stays what it was as the reader changes)
    const consumer = await jetstream(nc).consumers.get("openclaw-events", { filter_subjects: "openclaw.events.>", opt_start_seq: 1 });
    for (let left = (await consumer.info(true)).num_pending, got = 1; left > 0 && got > 0; left -= got) {
      got = 0;
      for await (const msg of await consumer.fetch({ max_messages: Math.min(1000, left), expires: 5000 })) {
        got++;
        const event = msg.json<{ session?: string }>();
        if (event.session === SESSION_KEY) kept[seen++ % TAIL] = event;
      }
    }
    return { ms: performance.now() - started, count: Math.min(seen, TAIL) };
  } finally {
    await nc.close();
  }
}

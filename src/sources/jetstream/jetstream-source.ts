import { jetstream, jetstreamManager, type JetStreamClient } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { SummaryChunk } from "../index/indexed-events.js";
import type { ReadOptions, SessionInfo, SessionListing, SessionSource, SourceEvent } from "../session.js";
import { connectNats, type NatsAddress } from "./connect.js";
import { CHECKPOINT_BUCKET, REGISTRY_BUCKET, registryKey, subjectToken } from "./names.js";
import { parseJson, type Checkpoint, type Mark, type RegistryRecord } from "./records.js";
import { ForeignIndex } from "./foreign-index.js";
import { eventFromMessage } from "./shapes.js";
import type { StreamSpan } from "./span.js";
import { readStream } from "./stream-reader.js";


/**
 * A JetStream stream as a store (STORES.md §3, §3a): sessions from the KV registry the bridge keeps
 * (with its checkpoints saying where each transcript's events start in the stream), events read with
 * the session's agent subject filter from there on. A stream without a registry (the shapes of §3
 * written by others) is indexed once by reading it (foreign-index.ts).
 */
export class JetStreamSource implements SessionSource {
  readonly kind = "jetstream" as const;
  readonly root: string;
  private connection?: Promise<{ nc: NatsConnection; js: JetStreamClient; prefix: string }>;
  private foreign?: ForeignIndex;
  private readonly spans = new Map<string, SpanRead>();

  constructor(private readonly address: NatsAddress) {
    this.root = address.display;
  }

  async listSessions(): Promise<SessionInfo[]> {
    return (await this.list()).sessions;
  }

  async list(): Promise<SessionListing> {
    const { nc, js, prefix } = await this.connect();
    const kvm = new Kvm(nc);
    const registry = await kvm.open(REGISTRY_BUCKET).catch(() => undefined);
    const all = registry ? await allValues<RegistryRecord>(registry) : new Map<string, RegistryRecord>();
    // one registry serves every stream on the server: the entries of this stream's bridge
    const records = [...all.values()].filter((r) => r.stream === undefined || r.stream === this.address.stream);
    if (records.length === 0) {
      this.foreign ??= new ForeignIndex(js, this.address.stream, prefix);
      const spans = await this.foreign.refresh();
      return { sessions: spans.map((s) => this.session(s.record, s.span, s.earliest, s.latest)), warnings: [] };
    }
    const checkpointKv = await kvm.open(CHECKPOINT_BUCKET).catch(() => undefined);
    const checkpoints = checkpointKv ? await allValues<Checkpoint>(checkpointKv) : new Map<string, Checkpoint>();
    const sessions: SessionInfo[] = [];
    for (const record of records) {
      if (typeof record.key !== "string" || typeof record.sessionId !== "string" || typeof record.gateway !== "string") continue;
      const checkpoint = checkpoints.get(registryKey(record.gateway, record.sessionId));
      const span: StreamSpan = {
        id: `${record.gateway}\n${record.sessionId}`,
        filter: `${prefix}.${subjectToken(record.agent)}.>`,
        fromSeq: checkpoint?.firstStreamSeq ?? 1,
        marks: checkpoint?.marks,
        belongs: (e) => e.sessionId === record.sessionId && e.gateway === record.gateway,
        numbered: true,
      };
      sessions.push(this.session(record, span, checkpoint?.firstTimestamp, undefined));
    }
    return { sessions, warnings: [] };
  }

  async close(): Promise<void> {
    if (this.connection) await (await this.connection).nc.close();
  }

  private connect() {
    this.connection ??= (async () => {
      const nc = await connectNats(this.address, { name: "session-events (jetstream source)" });
      const info = await (await jetstreamManager(nc)).streams.info(this.address.stream).catch((error: unknown) => {
        throw new Error(`NATS stream ${this.address.stream} at ${this.address.servers}: ${error instanceof Error ? error.message : String(error)}`);
      });
      const subject = info.config.subjects?.[0] ?? "openclaw.events.>";
      return { nc, js: jetstream(nc), prefix: subject.replace(/\.>$/, "") };
    })();
    this.connection.catch(() => (this.connection = undefined));
    return this.connection;
  }

  private session(record: RegistryRecord, span: StreamSpan, earliest: number | undefined, latest: number | undefined): SessionInfo {
    const read = (options: ReadOptions) => this.events(span, options);
    return {
      key: record.key,
      storeKey: record.key,
      agent: record.agent,
      sessionId: record.sessionId,
      source: "jetstream",
      generation: record.generation ?? "current",
      ...(record.spawnedBy ? { parentKey: record.spawnedBy } : {}),
      ...pick(record, ["updatedAt", "status", "startedAt", "endedAt", "runtimeMs", "label", "displayName", "channel", "model"]),
      activity: () => latest,
      earliest: async () => earliest,
      registered: true,
      location: `${this.address.display} ${record.gateway ? `${record.gateway}/` : ""}${record.sessionId}`,
      events: read,
      eventsForCounting: (options) => read(options) as AsyncIterable<SourceEvent | SummaryChunk>,
      countedWhole: () => undefined,
    };
  }

  private async *events(span: StreamSpan, options: ReadOptions): AsyncIterable<SourceEvent> {
    const marks = span.marks ?? [];
    if (options.direction === "backward" && marks.length > 0) {
      yield* this.backward(span, marks, options);
      return;
    }
    const mark = startMark(marks, options);
    // a page after a cursor, or a window's first page, starts at the mark before it, not at the session's first message
    const read = mark && !this.spans.has(span.id) ? { events: await this.stretch(span, mark[1], undefined, options) } : await this.readSpan(span, options);
    const found = [...read.events].sort((a, b) => a.seq - b.seq);
    if (options.direction === "backward") found.reverse();
    yield* found;
  }

  /** Newest first, a stretch between two marks at a time: a tail query reads the last stretch only. */
  private async *backward(span: StreamSpan, marks: readonly Mark[], options: ReadOptions): AsyncIterable<SourceEvent> {
    const before = options.skipAfter?.seq;
    const starts = [span.fromSeq, ...marks.map(([, streamSeq]) => streamSeq).filter((s) => s > span.fromSeq)];
    const seqs = [1, ...marks.map(([seq]) => seq).filter((_, i) => marks[i]![1] > span.fromSeq)];
    for (let i = starts.length - 1; i >= 0; i--) {
      if (before !== undefined && seqs[i]! >= before) continue;
      const events = await this.stretch(span, starts[i]!, i + 1 < starts.length ? starts[i + 1]! - 1 : undefined, options);
      yield* events.sort((a, b) => b.seq - a.seq);
    }
  }

  /** The session's events between two stream sequences (to the end without `toSeq`), uncached. */
  private async stretch(span: StreamSpan, fromSeq: number, toSeq: number | undefined, options: ReadOptions): Promise<SourceEvent[]> {
    const { js } = await this.connect();
    const out: SourceEvent[] = [];
    await readStream(js, this.address.stream, { filter: span.filter, fromSeq, toSeq }, (msg) => {
      options.stats.linesRead++;
      options.stats.bytesRead += msg.data.length;
      const event = eventFromMessage(parseJson(msg.data), this.address.stream, msg.seq);
      if (!event || !span.belongs(event) || event.seq === undefined) return;
      const { gateway: _gateway, ...rest } = event;
      out.push({ ...rest, seq: event.seq, id: event.id ?? `${event.sessionId}:${event.seq}` });
    });
    return out;
  }

  /**
   * A session's events, read once and then only what the stream added since (a walk of pages and a
   * follow read the same session again and again); kept for a few hundred sessions.
   */
  private async readSpan(span: StreamSpan, options: ReadOptions): Promise<SpanRead> {
    const id = span.id;
    let read = this.spans.get(id);
    this.spans.delete(id);
    read ??= { events: [], nextSeq: span.fromSeq, readAt: 0 };
    this.spans.set(id, read);
    if (this.spans.size > MAX_CACHED_SPANS) this.spans.delete(this.spans.keys().next().value!);
    if (Date.now() - read.readAt < FRESH_MS) return read;
    const { js } = await this.connect();
    const into = read;
    await readStream(js, this.address.stream, { filter: span.filter, fromSeq: into.nextSeq }, (msg) => {
      options.stats.linesRead++;
      options.stats.bytesRead += msg.data.length;
      into.nextSeq = msg.seq + 1;
      const event = eventFromMessage(parseJson(msg.data), this.address.stream, msg.seq);
      if (!event || !span.belongs(event)) return;
      const seq = span.numbered && event.seq !== undefined ? event.seq : into.events.length + 1;
      const { gateway: _gateway, ...rest } = event;
      into.events.push({ ...rest, seq, id: event.id ?? `${event.sessionId}:${seq}` });
    });
    into.readAt = Date.now();
    return into;
  }
}

type SpanRead = { events: SourceEvent[]; nextSeq: number; readAt: number };
const MAX_CACHED_SPANS = 256;
/** A session read this recently is answered from what was read (a page reads each session a few times). */
const FRESH_MS = 200;

/** The last mark before which no wanted event can be: by seq (a cursor) and by time (a window's start). */
function startMark(marks: readonly Mark[], options: ReadOptions): Mark | undefined {
  const afterSeq = options.skipBefore?.seq;
  const since = Math.max(options.skipBefore?.timestamp ?? -Infinity, options.window?.since ?? -Infinity);
  let found: Mark | undefined;
  for (const mark of marks) {
    const [seq, , latestBefore] = mark;
    if ((afterSeq !== undefined && seq <= afterSeq) || latestBefore === null || latestBefore < since) found = mark;
    else break;
  }
  // (the first mark is where the session starts: a whole read, which is kept)
  return found === marks[0] ? undefined : found;
}

function pick<T extends object, K extends keyof T>(record: T, names: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const name of names) if (record[name] !== undefined && record[name] !== null) out[name] = record[name];
  return out;
}

async function allValues<T>(kv: KV): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  const bucketExists = await kv.status().then(() => true, () => false);
  if (!bucketExists) return out;
  for await (const key of await kv.keys()) {
    const value = parseJson<T>((await kv.get(key))?.value);
    if (value) out.set(key, value);
  }
  return out;
}

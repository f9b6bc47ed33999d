import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { SummaryChunk } from "../index/indexed-events.js";
import type { ListingLook, ReadOptions, SessionInfo, SessionListing, SessionSource, SourceEvent } from "../session.js";
import { connectNats, type NatsAddress } from "./connect.js";
import { KvMirror } from "./kv-mirror.js";
import { CHECKPOINT_BUCKET, kvStream, REGISTRY_BUCKET, registryKey, subjectMatches, subjectToken } from "./names.js";
import { MARK_EVERY, parseJson, type Checkpoint, type Mark, type RegistryRecord } from "./records.js";
import { ForeignIndex } from "./foreign-index.js";
import { eventFromMessage } from "./shapes.js";
import { startMark, stretchesOf, lastBelow, type StreamSpan } from "./span.js";
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
  private connection?: Promise<{ nc: NatsConnection; js: JetStreamClient; jsm: JetStreamManager; prefix: string; registry: KvMirror<RegistryRecord>; checkpoints: KvMirror<Checkpoint> }>;
  private foreign?: ForeignIndex;
  private readonly spans = new Map<string, SpanRead>();
  private readonly stretches = new Map<string, StretchRead>();
  /** When the buckets and the stream were last looked at, and the stream's first sequence then. */
  private looked?: { at: number; firstSeq: number };
  /** The last listing; `version`, of the buckets and the stream's first sequence it was built from. */
  private listing?: { foreign: boolean; at: number; version: string; read: SessionListing };
  /** The sessions of the last listing of the registry, by their key in the bucket, with what each was built from. */
  private built = new Map<string, BuiltSession>();
  /** Per span, the stream sequence after the last message a read of it took in (a wait for new ones starts there). */
  private readonly readThrough = new Map<string, number>();

  constructor(private readonly address: NatsAddress) {
    this.root = address.display;
  }

  async listSessions(): Promise<SessionInfo[]> {
    return (await this.list()).sessions;
  }

  /**
   * The sessions, from the KV registry and checkpoints, each bucket watched (the server pushes every
   * change as it is made). `now`: as the buckets are at the call (a look: a request per bucket and one
   * for the stream, whose answers the watches are waited for); `recent`: as a look no older than
   * LOOK_EVERY_MS found them, with every change pushed since. The same listing (and the same sessions
   * in it) while nothing changed.
   */
  async list(look: ListingLook = "now"): Promise<SessionListing> {
    const { js, jsm, prefix, registry, checkpoints } = await this.connect();
    const kept = { all: registry.kept(), marks: checkpoints.kept() };
    const fresh = look === "recent" && this.looked && Date.now() - this.looked.at < LOOK_EVERY_MS;
    const recent = fresh && this.looked && kept.all && kept.marks ? { ...this.looked, all: kept.all, marks: kept.marks } : undefined;
    const { firstSeq, all, marks } = recent ?? (await this.look(jsm, registry, checkpoints));
    // one registry serves every stream on the server: the entries of this stream's bridge
    const records = [...all].filter(([, r]) => r.stream === undefined || r.stream === this.address.stream);
    if (records.length === 0) {
      if (this.listing?.foreign && Date.now() - this.listing.at <= FOREIGN_FRESH_MS) return this.listing.read;
      this.foreign ??= new ForeignIndex(js, this.address.stream, prefix);
      const spans = await this.foreign.refresh();
      const read = { sessions: spans.map((s) => this.session(s.record, s.span, s.earliest, s.latest, trimmedNote(s.span.fromSeq, undefined, firstSeq))), warnings: [] };
      this.listing = { foreign: true, at: Date.now(), version: "", read };
      return read;
    }
    const version = `${registry.version}:${checkpoints.version}:${firstSeq}`;
    if (this.listing && !this.listing.foreign && this.listing.version === version) return this.listing.read;
    const sessions: SessionInfo[] = [];
    const built = new Map<string, BuiltSession>();
    for (const [key, record] of records) {
      if (typeof record.key !== "string" || typeof record.sessionId !== "string" || typeof record.gateway !== "string") continue;
      const checkpoint = marks.get(registryKey(record.gateway, record.sessionId));
      const before = this.built.get(key);
      const info = before && before.record === record && before.checkpoint === checkpoint && before.firstSeq === firstSeq ? before.info : this.registered(record, checkpoint, prefix, firstSeq);
      built.set(key, { record, checkpoint, firstSeq, info });
      sessions.push(info);
    }
    this.built = built;
    const read = { sessions, warnings: [] };
    this.listing = { foreign: false, at: Date.now(), version, read };
    return read;
  }

  private async look(jsm: JetStreamManager, registry: KvMirror<RegistryRecord>, checkpoints: KvMirror<Checkpoint>) {
    const at = Date.now();
    // (the stream's retention may have removed the oldest messages: a session's note says so)
    const [firstSeq, all, marks] = await Promise.all([jsm.streams.info(this.address.stream).then((info) => info.state.first_seq), registry.current(), checkpoints.current()]);
    this.looked = { at, firstSeq };
    return { firstSeq, all, marks };
  }

  /** A session of the registry, its events from the stream sequence its checkpoint says they start at. */
  private registered(record: RegistryRecord, checkpoint: Checkpoint | undefined, prefix: string, firstSeq: number): SessionInfo {
    const span: StreamSpan = {
      id: `${record.gateway}\n${record.sessionId}`,
      filter: `${prefix}.${subjectToken(record.agent)}.>`,
      fromSeq: checkpoint?.firstStreamSeq ?? 1,
      marks: checkpoint?.marks,
      belongs: (e) => e.sessionId === record.sessionId && e.gateway === record.gateway,
      numbered: true,
    };
    // the bridge moves a checkpoint only after the stream took the events (a stream is only appended to)
    const version = checkpoint ? `${span.fromSeq}:${checkpoint.seq}:${checkpoint.lastStreamSeq ?? ""}` : undefined;
    const note = checkpoint?.firstStreamSeq !== undefined ? trimmedNote(checkpoint.firstStreamSeq, checkpoint, firstSeq) : undefined;
    return this.session(record, span, checkpoint?.firstTimestamp, undefined, note, version);
  }

  async close(): Promise<void> {
    if (!this.connection) return;
    const { nc, registry, checkpoints } = await this.connection;
    registry.stop();
    checkpoints.stop();
    await nc.close();
  }

  private connect() {
    this.connection ??= (async () => {
      const nc = await connectNats(this.address, { name: "session-events (jetstream source)" });
      // (not asking the server first whether it has JetStream: the stream's lookup says so, one round trip less)
      const jsm = await jetstreamManager(nc, { checkAPI: false });
      const info = await jsm.streams.info(this.address.stream).catch((error: unknown) => {
        throw new Error(`NATS stream ${this.address.stream} at ${this.address.servers}: ${error instanceof Error ? error.message : String(error)}`);
      });
      const subject = info.config.subjects?.[0] ?? "openclaw.events.>";
      const kvm = new Kvm(nc);
      const registry = new KvMirror<RegistryRecord>(jsm, await kvm.open(REGISTRY_BUCKET), kvStream(REGISTRY_BUCKET));
      const checkpoints = new KvMirror<Checkpoint>(jsm, await kvm.open(CHECKPOINT_BUCKET), kvStream(CHECKPOINT_BUCKET));
      return { nc, js: jetstream(nc), jsm, prefix: subject.replace(/\.>$/, ""), registry, checkpoints };
    })();
    this.connection.catch(() => (this.connection = undefined));
    return this.connection;
  }

  private session(record: RegistryRecord, span: StreamSpan, earliest: number | undefined, latest: number | undefined, storeNote: string | undefined, version?: string): SessionInfo {
    const read = (options: ReadOptions) => this.events(span, options);
    const id = `${record.key}\n${this.address.display}\n${this.address.stream}\n${span.id}`;
    return {
      ...(version !== undefined ? { contentState: () => ({ id, version, mark: () => span.fromSeq.toString(), grewFrom: (mark) => mark === span.fromSeq.toString() }) } : {}),
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
      ...(storeNote ? { storeNote } : {}),
      location: `${this.address.display} ${record.gateway ? `${record.gateway}/` : ""}${record.sessionId}`,
      events: read,
      waitForNew: (ms, signal) => this.waitForNew(span, ms, signal),
      eventsForCounting: (options) => read(options) as AsyncIterable<SourceEvent | SummaryChunk>,
      countedWhole: () => undefined,
    };
  }

  private events(span: StreamSpan, options: ReadOptions): AsyncIterable<SourceEvent> {
    const marks = span.marks ?? [];
    // (the backward read given as it is: a generator around it would add a step to every event)
    return options.direction === "backward" && marks.length > 0 ? this.backward(span, marks, options) : this.fromMark(span, marks, options);
  }

  private async *fromMark(span: StreamSpan, marks: readonly Mark[], options: ReadOptions): AsyncIterable<SourceEvent> {
    const mark = startMark(marks, options);
    // a page after a cursor, or a window's first page, starts at the mark before it, not at the session's first message
    const read = mark && !this.spans.has(span.id) ? { events: await this.stretch(span, mark[1], undefined, options) } : await this.readSpan(span, options);
    const found = [...read.events].sort((a, b) => a.seq - b.seq);
    if (options.direction === "backward") found.reverse();
    yield* found;
  }

  /**
   * Newest first, a stretch between two marks at a time: a tail query reads the last stretches only.
   * The stretch before is read ahead while the caller takes the older half of this one's events (a walk
   * of pages newest first then finds it read), with the one before that in the same read.
   */
  private async *backward(span: StreamSpan, marks: readonly Mark[], options: ReadOptions): AsyncIterable<SourceEvent> {
    const before = options.skipAfter?.seq;
    const { starts, seqs } = stretchesOf(span, marks);
    const ends = (i: number) => (i + 1 < starts.length ? starts[i + 1]! - 1 : undefined);
    // (the newest stretch that holds an event before the cursor: where a walk's later page starts)
    let i = starts.length - 1;
    if (before !== undefined) i = Math.min(i, lastBelow(seqs, before));
    for (; i >= 0; i--) {
      const events = await this.stretch(span, starts[i]!, ends(i), options);
      let j = events.length - 1;
      if (before !== undefined) while (j >= 0 && events[j]!.seq >= before) j--;
      // (read ahead once the walk has taken the newer half: a walk that ends in this stretch reads no more)
      let readAhead = i > 0;
      for (; j >= 0; j--) {
        if (readAhead && j < events.length / 2) {
          readAhead = false;
          this.readAhead(span, starts, ends, i - 1, options);
        }
        yield events[j]!;
      }
    }
  }

  /**
   * Reads closed stretch `i` of a walk newest first ahead of it, and stretch `i - 1` with it, one
   * consumer for both, when neither is read (the read-ahead from stretch `i` then finds `i - 1` read).
   * A walk reads at most one stretch more than it would a stretch at a time: the older of the last
   * pair, when it ends before that one's turn to be read ahead.
   */
  private readAhead(span: StreamSpan, starts: readonly number[], ends: (i: number) => number | undefined, i: number, options: ReadOptions): void {
    const unread = (k: number) => {
      const read = this.stretchRead(span, starts[k]!, ends(k));
      return !read.whole && !read.reading && read.nextSeq === starts[k] ? { read, toSeq: ends(k) } : undefined;
    };
    const newer = unread(i);
    if (!newer) return;
    const older = i > 0 ? unread(i - 1) : undefined;
    this.fill(span, older ? [older, newer] : [newer], options).catch(() => undefined);
  }

  /**
   * The session's events between two stream sequences (to the end without `toSeq`). A stretch between
   * two marks never changes, and a walk newest first takes several pages from each: those are kept (a
   * few). The open last stretch is kept too, and each later read of it takes in only what the stream
   * added since. One read of a stretch at a time: a caller that comes during one waits for it. The
   * events come back in seq order, and kept: not to be changed.
   */
  private async stretch(span: StreamSpan, fromSeq: number, toSeq: number | undefined, options: ReadOptions): Promise<readonly SourceEvent[]> {
    const read = this.stretchRead(span, fromSeq, toSeq);
    while (read.reading) await read.reading;
    // (the open stretch read this recently is answered as read, as a span is: see FRESH_MS)
    if (!read.whole && !(toSeq === undefined && Date.now() - read.readAt < FRESH_MS)) await this.fill(span, [{ read, toSeq }], options);
    return read.events;
  }

  /** What is kept of a stretch (made empty when nothing is), now the most recently used. */
  private stretchRead(span: StreamSpan, fromSeq: number, toSeq: number | undefined): StretchRead {
    const key = `${span.id}\n${fromSeq}\n${toSeq ?? "open"}`;
    let read = this.stretches.get(key);
    if (read) this.stretches.delete(key);
    read ??= { events: [], nextSeq: fromSeq, whole: false, readAt: 0 };
    this.stretches.set(key, read);
    if (this.stretches.size > MAX_CACHED_STRETCHES) this.stretches.delete(this.stretches.keys().next().value!);
    return read;
  }

  /** Reads adjacent stretches (all but the last closed), each from its `nextSeq`, with one consumer. */
  private fill(span: StreamSpan, reads: ReadonlyArray<{ read: StretchRead; toSeq: number | undefined }>, options: ReadOptions): Promise<void> {
    const reading = this.readStretches(span, reads, options).then(
      () => {
        for (const { read, toSeq } of reads) {
          // (by seq: the stream's order is the bridge's, but for an event sent again after a lost ack)
          read.events.sort((a, b) => a.seq - b.seq);
          read.whole = toSeq !== undefined;
          read.readAt = Date.now();
          read.reading = undefined;
        }
      },
      (error: unknown) => {
        for (const { read } of reads) read.reading = undefined;
        throw error;
      },
    );
    for (const { read } of reads) read.reading = reading;
    return reading;
  }

  /** Takes into each read the session's events from its `nextSeq` through its `toSeq` (the last: or the end). */
  private async readStretches(span: StreamSpan, reads: ReadonlyArray<{ read: StretchRead; toSeq: number | undefined }>, options: ReadOptions): Promise<void> {
    const { js } = await this.connect();
    const last = reads.length - 1;
    const toSeq = reads[last]!.toSeq;
    let k = 0;
    await readStream(js, this.address.stream, { filter: span.filter, fromSeq: reads[0]!.read.nextSeq, toSeq, unfilteredWithin: UNFILTERED_WITHIN }, (msg) => {
      while (k < last && msg.seq > reads[k]!.toSeq!) k++;
      const into = reads[k]!.read;
      into.nextSeq = msg.seq + 1;
      if (toSeq === undefined) this.sawThrough(span, msg.seq);
      // (a read without the filter also brings other agents' messages: only this span's count as read)
      if (!subjectMatches(span.filter, msg.subject)) return;
      options.stats.linesRead++;
      options.stats.bytesRead += msg.data.length;
      const event = eventFromMessage(parseJson(msg.data), this.address.stream, msg.seq);
      if (!event || !span.belongs(event) || event.seq === undefined) return;
      // (the event is this read's own: taken as it is, less the gateway, rather than copied)
      delete event.gateway;
      event.id ??= `${event.sessionId}:${event.seq}`;
      into.events.push(event as SourceEvent);
    });
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
      this.sawThrough(span, msg.seq);
      const event = eventFromMessage(parseJson(msg.data), this.address.stream, msg.seq);
      if (!event || !span.belongs(event)) return;
      const seq = span.numbered && event.seq !== undefined ? event.seq : into.events.length + 1;
      const { gateway: _gateway, ...rest } = event;
      into.events.push({ ...rest, seq, id: event.id ?? `${event.sessionId}:${seq}` });
    });
    into.readAt = Date.now();
    return into;
  }

  private sawThrough(span: StreamSpan, streamSeq: number): void {
    if (streamSeq >= (this.readThrough.get(span.id) ?? 0)) this.readThrough.set(span.id, streamSeq + 1);
  }

  /**
   * Follow's wake-up: a consumer on the session's subject from just after what was read, its `next`
   * waiting out the wait (the server answers the moment a message comes); no poll. A message of another
   * session of the same agent wakes it too: the read that follows finds nothing and waits again.
   */
  private async waitForNew(span: StreamSpan, ms: number, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted || ms <= 0) return false;
    const { js } = await this.connect();
    const consumer = await js.consumers.get(this.address.stream, { filter_subjects: span.filter, opt_start_seq: this.readThrough.get(span.id) ?? span.fromSeq });
    let timer: NodeJS.Timeout | undefined;
    const given = new Promise<null>((resolve) => {
      const stop = () => resolve(null);
      timer = setTimeout(stop, ms);
      signal.addEventListener("abort", stop, { once: true });
    });
    // (the client's expiry is at least a second: a shorter wait is ended by `given`)
    const next = consumer.next({ expires: Math.max(1000, ms) });
    next.catch(() => undefined); // (a next outlived by the wait ends with the consumer's deletion)
    try {
      return (await Promise.race([next, given])) !== null;
    } finally {
      clearTimeout(timer);
      void consumer.delete().catch(() => undefined);
    }
  }
}

type SpanRead = { events: SourceEvent[]; nextSeq: number; readAt: number };
type BuiltSession = { record: RegistryRecord; checkpoint: Checkpoint | undefined; firstSeq: number; info: SessionInfo };
/** A stretch read so far (`whole`: a closed one, read to its end); `reading` while a read of it is under way. */
type StretchRead = { events: SourceEvent[]; nextSeq: number; whole: boolean; readAt: number; reading?: Promise<void> };
const MAX_CACHED_SPANS = 256;
/**
 * How old a look at the buckets a `recent` listing takes (a look is a round trip, waited for): the
 * watches alone keep it current meanwhile (a change reaches them a moment after it is made). A walk's
 * pages come every few milliseconds, and a round trip on a busy machine takes several.
 */
const LOOK_EVERY_MS = 250;
/** How long a listing of a stream without a registry answers again (a walk's pages; a follow's rereads). */
const FOREIGN_FRESH_MS = 1000;
/** Stretches between marks kept (each at most MARK_EVERY events of one session). */
const MAX_CACHED_STRETCHES = 16;
/**
 * A stretch is read without the subject filter when the stream holds at most this many messages over
 * it (those of other agents are dropped here): nats-server 2.9 is slow to start a filtered consumer
 * in a large stream (stream-reader.ts).
 */
const UNFILTERED_WITHIN = 4 * MARK_EVERY;
/** A session read this recently is answered from what was read (a page reads each session a few times). */
const FRESH_MS = 200;

/**
 * When the stream no longer holds a session's first messages (its retention, max-age/bytes/msgs, removed
 * them), what a page says; reads go on from the oldest message left (a cursor rests on `seq`, which
 * trimming leaves alone for the bridge's events).
 */
function trimmedNote(sessionFirstSeq: number, checkpoint: Checkpoint | undefined, streamFirstSeq: number): string | undefined {
  if (sessionFirstSeq >= streamFirstSeq) return undefined;
  if (checkpoint?.lastStreamSeq !== undefined && checkpoint.lastStreamSeq < streamFirstSeq) {
    return `the stream's retention removed all ${checkpoint.published} of its published events; it has none left here.`;
  }
  const lost = checkpoint?.marks?.filter(([, streamSeq]) => streamSeq < streamFirstSeq).at(-1);
  const which = lost ? ` (at least those up to seq ${lost[0]})` : "";
  return `the stream's retention removed its oldest events${which}, all before stream sequence ${streamFirstSeq}; what is left is answered.`;
}

function pick<T extends object, K extends keyof T>(record: T, names: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const name of names) if (record[name] !== undefined && record[name] !== null) out[name] = record[name];
  return out;
}

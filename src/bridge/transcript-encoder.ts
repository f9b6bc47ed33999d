import type { Visibility } from "../contract/event.js";
import { redactorFor } from "../engine/answer-redaction.js";
import { clearanceAllows } from "../engine/principal.js";
import type { Redactor } from "../engine/redact.js";
import type { QueryContext } from "../engine/run-query.js";
import { classify, type ConfidentialRule } from "../engine/visibility.js";
import { eventSubject } from "../sources/jetstream/names.js";
import { newReadStats, type SessionInfo } from "../sources/session.js";
import { encodeCut, publishedEvent } from "./event-record.js";

/** What turns a transcript's events into messages: the same in a worker and in the bridge's own thread. */
export type EncodeSettings = {
  gateway: string;
  prefix: string;
  /** The largest message the server takes (less headroom for the headers). */
  maxMessageBytes: number;
  clearance: Visibility;
  rules: readonly ConfidentialRule[];
  redactor?: Redactor;
};

/** The settings for a context's principal and policy (the bridge's, or a worker's own over the same options). */
export function encodeSettingsFor(
  ctx: Pick<QueryContext, "principal" | "policy">,
  target: Pick<EncodeSettings, "gateway" | "prefix" | "maxMessageBytes">,
): EncodeSettings {
  const { gateway, prefix, maxMessageBytes } = target;
  return { gateway, prefix, maxMessageBytes, clearance: ctx.principal.clearance, rules: ctx.policy.rules, redactor: redactorFor(ctx) };
}

/**
 * Consecutive messages of one transcript, their data back to back in one buffer (a worker hands the
 * buffer over without copying it). Every event of the transcript up to `readThrough` is in this chunk,
 * an earlier one, or not to be published (above the clearance).
 */
export type EncodedChunk = {
  sessionId: string;
  readThrough: number;
  bytes: Uint8Array;
  /** Where each message's data ends in `bytes` (it starts where the one before ends). */
  ends: number[];
  subjects: string[];
  ids: string[];
  seqs: number[];
  timestamps: number[];
  /** Events of this chunk cut to fit the server's max_payload (meta.cutToFit), and the first one's id. */
  cut?: { count: number; firstId: string };
};

/** Messages per chunk, and the bytes past which a chunk ends sooner. */
const CHUNK_MESSAGES = 256;
const CHUNK_BYTES = 1024 * 1024;
const INITIAL_CHUNK_BYTES = 512 * 1024;

/**
 * The transcript's events after `after`, as the stream gets them (§3a), a chunk at a time and in their
 * order; the last chunk may hold no message and only move `readThrough` on.
 */
export async function* encodedChunks(session: SessionInfo, after: number, settings: EncodeSettings): AsyncGenerator<EncodedChunk> {
  const fit = { redactor: settings.redactor, stripInternal: settings.clearance === "public" };
  const subjects = new SubjectCache(settings.prefix);
  let chunk = new ChunkWriter(session.sessionId, after);
  for await (const event of session.events({ stats: newReadStats(), wholeLines: true, skipBefore: { seq: after } })) {
    if (event.seq <= after) continue;
    const visibility = classify(event, settings.rules);
    if (clearanceAllows(settings.clearance, visibility)) {
      const record = publishedEvent(event, session, visibility, settings.gateway, fit);
      chunk.add(record.id, subjects.of(record.agent, record.type), record.seq, record.timestamp, JSON.stringify(record), () => encodeCut(record, settings.maxMessageBytes), settings.maxMessageBytes);
    }
    chunk.readThrough = Math.max(chunk.readThrough, event.seq);
    if (chunk.full()) {
      yield chunk.done();
      chunk = new ChunkWriter(session.sessionId, chunk.readThrough);
    }
  }
  if (chunk.ends.length > 0 || chunk.readThrough > after) yield chunk.done();
}

/** Subjects by agent and type: a transcript has one agent and a dozen types. */
class SubjectCache {
  private readonly known = new Map<string, string>();

  constructor(private readonly prefix: string) {}

  of(agent: string, clawType: string): string {
    const key = `${agent}\n${clawType}`;
    let subject = this.known.get(key);
    if (subject === undefined) this.known.set(key, (subject = eventSubject(this.prefix, agent, clawType)));
    return subject;
  }
}

class ChunkWriter {
  readonly ends: number[] = [];
  private readonly subjects: string[] = [];
  private readonly ids: string[] = [];
  private readonly seqs: number[] = [];
  private readonly timestamps: number[] = [];
  // (a chunk of 256 events of the bench store's ~1.8 KB is ~460 KB: room for it without growing)
  private buffer = Buffer.from(new ArrayBuffer(INITIAL_CHUNK_BYTES));
  private length = 0;
  private cut?: { count: number; firstId: string };

  constructor(
    private readonly sessionId: string,
    public readThrough: number,
  ) {}

  /** `json` is the whole event; `cutToFit` gives it smaller for a message too large for the server (not encoding it whole again). */
  add(id: string, subject: string, seq: number, timestamp: number, json: string, cutToFit: () => Buffer, maxBytes: number): void {
    let written = maxBytes + 1;
    // (more UTF-16 units than the limit is more bytes too: such an event is cut without being written whole first)
    if (json.length <= maxBytes) {
      // (a UTF-8 byte count only when the worst case, 3 bytes a UTF-16 unit, might not fit)
      if (this.length + json.length * 3 > this.buffer.length) this.room(Buffer.byteLength(json));
      written = this.buffer.write(json, this.length, "utf8");
    }
    if (written > maxBytes) {
      const data = cutToFit();
      this.room(data.length);
      written = data.copy(this.buffer, this.length);
      this.cut = this.cut ? { count: this.cut.count + 1, firstId: this.cut.firstId } : { count: 1, firstId: id };
    }
    this.length += written;
    this.ends.push(this.length);
    this.subjects.push(subject);
    this.ids.push(id);
    this.seqs.push(seq);
    this.timestamps.push(timestamp);
  }

  full(): boolean {
    return this.ends.length >= CHUNK_MESSAGES || this.length >= CHUNK_BYTES;
  }

  done(): EncodedChunk {
    const { sessionId, readThrough, ends, subjects, ids, seqs, timestamps, cut } = this;
    return { sessionId, readThrough, bytes: new Uint8Array(this.buffer.buffer, 0, this.length), ends, subjects, ids, seqs, timestamps, ...(cut ? { cut } : {}) };
  }

  private room(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.from(new ArrayBuffer(Math.max(this.buffer.length * 2, this.length + bytes)));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}

import type { Visibility } from "../contract/event.js";
import { redactorFor } from "../engine/answer-redaction.js";
import { clearanceAllows } from "../engine/principal.js";
import type { Redactor } from "../engine/redact.js";
import type { QueryContext } from "../engine/run-query.js";
import { classify, type ConfidentialRule } from "../engine/visibility.js";
import { eventSubject } from "../sources/jetstream/names.js";
import { newReadStats, type SessionInfo } from "../sources/session.js";
import { ChunkWriter, type EncodedChunk, type ReplyNames } from "./chunk-writer.js";
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

/** Messages per chunk, and the bytes past which a chunk ends sooner. */
const CHUNK_MESSAGES = 256;
const CHUNK_BYTES = 1024 * 1024;

/**
 * The transcript's events after `after`, as the stream gets them (§3a), a chunk at a time and in their
 * order; the last chunk may hold no message and only move `readThrough` on.
 */
export async function* encodedChunks(session: SessionInfo, after: number, settings: EncodeSettings, replies: ReplyNames): AsyncGenerator<EncodedChunk> {
  const fit = { redactor: settings.redactor, stripInternal: settings.clearance === "public" };
  const subjects = new SubjectCache(settings.prefix);
  let chunk = new ChunkWriter(session.sessionId, after, replies.chunk());
  for await (const event of session.events({ stats: newReadStats(), wholeLines: true, skipBefore: { seq: after } })) {
    if (event.seq <= after) continue;
    const visibility = classify(event, settings.rules);
    if (clearanceAllows(settings.clearance, visibility)) {
      const record = publishedEvent(event, session, visibility, settings.gateway, fit);
      chunk.add(record.id, subjects.of(record.agent, record.type), record.seq, record.timestamp, JSON.stringify(record), () => encodeCut(record, settings.maxMessageBytes), settings.maxMessageBytes);
    }
    chunk.readThrough = Math.max(chunk.readThrough, event.seq);
    if (chunk.ends.length >= CHUNK_MESSAGES || chunk.dataBytes >= CHUNK_BYTES) {
      yield chunk.done();
      chunk = new ChunkWriter(session.sessionId, chunk.readThrough, replies.chunk());
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

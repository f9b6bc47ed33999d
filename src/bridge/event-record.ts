import { CUT_KEEPS_MORE_THAN_CHARS, cutMarkJson } from "../contract/cut-mark.js";
import type { Visibility } from "../contract/event.js";
import { DEFAULT_SHAPE } from "../engine/page-events.js";
import type { Redactor } from "../engine/redact.js";
import { shapeValue } from "../engine/shape.js";
import { INTERNAL_PAYLOAD_FIELDS } from "../engine/visibility.js";
import { clawTypeOf } from "../sources/jetstream/names.js";
import type { SessionInfo, SourceEvent } from "../sources/session.js";

/** What is published for one event (§3a): the seed's ClawEvent plus the contract's fields. */
export type PublishedEvent = {
  id: string;
  timestamp: number;
  agent: string;
  session: string;
  type: string;
  visibility: Visibility;
  payload: Record<string, unknown>;
  seq: number;
  sessionId: string;
  eventType: string;
  model?: string;
  orderTs?: number;
  meta: Record<string, unknown> & { source: string; gateway: string };
};

/** Payloads go out whole (a query cuts them as it cuts a local store's), made fit for the clearance. */
const PUBLISH_SHAPE = { maxFieldChars: Number.MAX_SAFE_INTEGER, maxDepth: DEFAULT_SHAPE.maxDepth * 4, maxItems: Number.MAX_SAFE_INTEGER };

export function publishedEvent(
  event: SourceEvent,
  session: SessionInfo,
  visibility: Visibility,
  gateway: string,
  fit: { redactor?: Redactor; stripInternal: boolean },
): PublishedEvent {
  let payload = event.payload;
  const internal = fit.stripInternal ? INTERNAL_PAYLOAD_FIELDS[event.type] : undefined;
  if (internal?.some((field) => field in payload)) {
    payload = { ...payload };
    for (const field of internal) delete payload[field];
  }
  const shaped = shapeValue(payload, { ...PUBLISH_SHAPE, redactor: fit.redactor });
  const out: PublishedEvent = {
    id: event.id,
    timestamp: event.timestamp,
    agent: event.agent,
    session: event.session,
    type: clawTypeOf(event),
    visibility,
    payload: shaped.value as Record<string, unknown>,
    seq: event.seq,
    sessionId: event.sessionId,
    eventType: event.type,
    meta: { ...event.meta, source: event.meta?.source ?? session.source, gateway },
  };
  if (event.model !== undefined) out.model = event.model;
  if (event.orderTs !== undefined && event.orderTs !== event.timestamp) out.orderTs = event.orderTs;
  return out;
}

/** Ever-smaller cuts for an event too large for one NATS message, after the first (cutOnRead). */
const FIT_STEPS = [20_000, 4_000, 500, 120];

/**
 * An event too large for one message of at most `maxBytes` (the server refuses a larger one for ever;
 * nearly all events fit whole and are never given here): its long strings cut as a source cuts them on
 * read (a page then shows what it shows from the files), and smaller still when that is not enough;
 * `meta.cutToFit` says so.
 */
export function encodeCut(record: PublishedEvent, maxBytes: number): Buffer {
  const meta = { ...record.meta, cutToFit: true };
  const tries = [() => cutOnRead(record.payload), ...FIT_STEPS.map((maxFieldChars) => () => shapeValue(record.payload, { maxFieldChars, maxDepth: DEFAULT_SHAPE.maxDepth, maxItems: DEFAULT_SHAPE.maxItems }).value)];
  for (const payload of tries) {
    const data = Buffer.from(JSON.stringify({ ...record, payload: payload(), meta }));
    if (data.length <= maxBytes) return data;
  }
  return Buffer.from(JSON.stringify({ ...record, payload: { cut: "[payload too large for one NATS message]" }, meta }));
}

/** Strings longer than a page ever shows keep what it may show, then the cut-on-read mark (contract/cut-mark.ts). */
function cutOnRead(value: unknown): unknown {
  if (typeof value === "string") {
    const keep = CUT_KEEPS_MORE_THAN_CHARS + 1;
    return value.length > keep ? `${value.slice(0, keep)}${JSON.parse(`"${cutMarkJson(value.length - keep)}"`) as string}` : value;
  }
  if (Array.isArray(value)) return value.map(cutOnRead);
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cutOnRead(v)]));
  return value;
}

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
